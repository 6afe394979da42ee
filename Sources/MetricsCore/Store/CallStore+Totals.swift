// CallStore's commit: the running totals of the batch (series, error and fallback counts,
// exporter counters) written in the batch's transaction, then COMMIT. Series are keyed by
// their labels; which row holds a series is the store's own business (`seriesRowIDs`).

extension CallStore {
    /// Writes the totals that changed and commits the batch. On error the transaction is
    /// rolled back and the caller must reload its state from the store.
    package func commit(_ changes: TotalsChanges) throws(SQLiteError) {
        try beginIfNeeded()
        var inserted: [(SeriesKey, Int64)] = []
        do {
            try flushPendingCalls()
            for item in changes.series {
                let rowID = seriesRowIDs[item.key]
                let saved = try saveSeries(item.key, item.totals, rowID: rowID)
                if rowID == nil { inserted.append((item.key, saved)) }
            }
            if let counters = changes.counters {
                try saveCounters(counters)
            }
            try db.execute("COMMIT")
            inTransaction = false
        } catch {
            rollback()
            throw error
        }
        uncommittedLabels.removeAll()
        // Only now: a series row inserted by a transaction that rolled back does not exist.
        for (key, rowID) in inserted { seriesRowIDs[key] = rowID }
    }

    package func rollback() {
        pendingCalls.removeAll()
        forgetUncommittedLabels()
        guard inTransaction else { return }
        try? db.execute("ROLLBACK")
        inTransaction = false
    }

    private func saveSeries(_ key: SeriesKey, _ totals: SeriesTotals, rowID: Int64?) throws(SQLiteError) -> Int64 {
        let bucketText = totals.latencyBucketCounts.map(String.init).joined(separator: ",")
        let id: Int64
        if let rowID {
            let s = updateSeriesStatement
            defer { s.reset() }
            s.bind(1, rowID)
            s.bind(2, Int64(clamping: totals.requestsSuccess))
            s.bind(3, Int64(clamping: totals.requestsError))
            s.bind(4, totals.costUSD)
            s.bind(5, Int64(clamping: totals.inputTokens))
            s.bind(6, Int64(clamping: totals.outputTokens))
            s.bind(7, totals.latencySumSeconds)
            s.bind(8, bucketText)
            s.bind(9, totals.lastTimestamp)
            Self.bindStreamingTotals(totals, to: s)
            try s.step()
            id = rowID
        } else {
            let s = insertSeriesStatement
            defer { s.reset() }
            s.bind(1, key.agent)
            s.bind(2, key.model)
            s.bind(3, key.variant)
            s.bind(4, Int64(clamping: totals.requestsSuccess))
            s.bind(5, Int64(clamping: totals.requestsError))
            s.bind(6, totals.costUSD)
            s.bind(7, Int64(clamping: totals.inputTokens))
            s.bind(8, Int64(clamping: totals.outputTokens))
            s.bind(9, totals.latencySumSeconds)
            s.bind(10, bucketText)
            s.bind(11, totals.lastTimestamp)
            s.bind(12, totals.createdTimestamp)
            Self.bindStreamingTotals(totals, to: s)
            try s.step()
            id = db.lastInsertRowID
        }
        for (type, count) in totals.errorsByType {
            let s = upsertErrorStatement
            defer { s.reset() }
            s.bind(1, id)
            s.bind(2, type)
            s.bind(3, Int64(clamping: count))
            try s.step()
        }
        for (model, count) in totals.fallbacksByModel {
            let s = upsertFallbackStatement
            defer { s.reset() }
            s.bind(1, id)
            s.bind(2, model)
            s.bind(3, Int64(clamping: count))
            try s.step()
        }
        return id
    }

    /// Parameters 13 to 19 of both series statements.
    private static func bindStreamingTotals(_ totals: SeriesTotals, to s: SQLiteStatement) {
        s.bind(13, Int64(clamping: totals.cachedInputTokens))
        s.bind(14, Int64(clamping: totals.reasoningTokens))
        s.bind(15, Int64(clamping: totals.cacheHits))
        s.bind(16, totals.ttftSumSeconds)
        s.bind(17, totals.ttftBucketCounts.map(String.init).joined(separator: ","))
        s.bind(18, totals.tpotSumSeconds)
        s.bind(19, totals.tpotBucketCounts.map(String.init).joined(separator: ","))
    }

    private func saveCounters(_ counters: ExporterCounters) throws(SQLiteError) {
        var rows: [(String, String, UInt64)] = [
            ("accepted_lines", "", counters.acceptedLines),
            ("read_bytes", "", counters.readBytes),
            ("rotations", "", counters.rotations),
            ("truncations", "", counters.truncations),
            ("lost_files", "", counters.lostFiles),
        ]
        for (reason, value) in counters.rejectedLines { rows.append(("rejected_lines", reason.rawValue, value)) }
        for (label, value) in counters.foldedLines { rows.append(("folded_lines", label, value)) }
        let s = upsertCounterStatement
        for (name, label, value) in rows {
            defer { s.reset() }
            s.bind(1, name)
            s.bind(2, label)
            s.bind(3, Int64(clamping: value))
            try s.step()
        }
    }
}
