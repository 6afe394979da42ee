extension CallStore {
    /// Recounts the latency histograms with the configured bounds from the stored calls
    /// (`--metrics.latency-buckets` changed), as the first-token one below.
    func rebuildLatency(_ series: inout [Int64: (key: SeriesKey, totals: SeriesTotals)]) throws(SQLiteError) {
        var byKey: [SeriesKey: Int64] = [:]
        for (id, item) in series {
            byKey[item.key] = id
            series[id]?.totals.latencyBucketCounts = Array(repeating: 0, count: buckets.bounds.count + 1)
            series[id]?.totals.latencySumSeconds = 0
        }
        let overflowID = byKey[.overflow]
        let select = try db.prepare("SELECT agent, model, variant, latency_ms FROM calls")
        while try select.step() {
            let key = SeriesKey(agent: select.string(0) ?? "", model: select.string(1) ?? "", variant: select.string(2) ?? "")
            guard let id = byKey[key] ?? overflowID else { continue }
            let seconds = select.double(3) / 1000
            series[id]?.totals.latencyBucketCounts[buckets.index(for: seconds)] += 1
            series[id]?.totals.latencySumSeconds += seconds
        }
    }

    /// Recounts every series' first-token histogram with the configured bounds from the stored
    /// calls, when `--metrics.ttft-buckets` changed since the database was last opened.
    ///
    /// The stored counts cannot be re-bucketed (a count between two old bounds cannot be split
    /// at a new one) and must not be kept beside the new bounds: exported together they would
    /// be one histogram whose buckets mean two things. So the counts and the sum are rebuilt
    /// from the `calls` still held (`--storage.retention`), as the latency histogram is; calls
    /// past retention no longer count in it. Prometheus sees new `le` series and a fresh start.
    func rebuildTimeToFirstToken(_ series: inout [Int64: (key: SeriesKey, totals: SeriesTotals)]) throws(SQLiteError) {
        var byKey: [SeriesKey: Int64] = [:]
        for (id, item) in series {
            byKey[item.key] = id
            series[id]?.totals.ttftBucketCounts = Array(repeating: 0, count: ttftBuckets.bounds.count + 1)
            series[id]?.totals.ttftSumSeconds = 0
        }
        let overflowID = byKey[.overflow]
        let select = try db.prepare("SELECT agent, model, variant, ttft_ms FROM calls WHERE stream = 1 AND ttft_ms IS NOT NULL")
        while try select.step() {
            let key = SeriesKey(agent: select.string(0) ?? "", model: select.string(1) ?? "", variant: select.string(2) ?? "")
            guard let id = byKey[key] ?? overflowID else { continue }
            let seconds = select.double(3) / 1000
            series[id]?.totals.ttftBucketCounts[ttftBuckets.index(for: seconds)] += 1
            series[id]?.totals.ttftSumSeconds += seconds
        }
    }
}
