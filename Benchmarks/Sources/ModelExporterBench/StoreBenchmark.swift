import MetricsCore

/// Store only: the product's CallStore writing parsed records, with ingest's batching (rows,
/// then the read position, then commit), into a fresh database.
struct StoreBenchmark {
    var batch: Int

    /// `keepDatabase`: leave the database for `ship` to read.
    func run(_ parsed: ParsedLog, databasePath: String, keepDatabase: Bool = false) throws -> Measurement {
        try DatabaseFiles.create(databasePath)
        defer { if !keepDatabase { DatabaseFiles.remove(databasePath) } }
        let store = try CallStore(path: databasePath, buckets: .default, logger: DatabaseFiles.silentLogger)
        var aggregator = CallAggregator(buckets: store.buckets, limits: LabelLimits())
        aggregator.restore(try store.loadTotals().totals)
        let source = DatabaseFiles.sourceID
        return try Measurement.time {
            var inBatch = 0
            for (record, offset) in zip(parsed.records, parsed.offsets) {
                try store.insertCall(record, sourceID: source, offset: offset)
                inBatch += 1
                if inBatch == batch {
                    try store.updateSource(id: source, readOffset: offset, fingerprint: [], state: .active)
                    try store.commit(aggregator.takeChanges())
                    inBatch = 0
                }
            }
            if inBatch > 0 {
                try store.updateSource(id: source, readOffset: parsed.offsets.last ?? 0, fingerprint: [], state: .active)
                try store.commit(aggregator.takeChanges())
            }
            return parsed.records.count
        }
    }
}
