import MetricsCore

/// Aggregate only: CallAggregator.add of every parsed record (series lookup, histogram,
/// exemplars), the in-memory work ingest does per line besides parsing and storing.
struct AggregateBenchmark {
    func run(_ parsed: ParsedLog) -> Measurement {
        var aggregator = CallAggregator(buckets: .default, limits: LabelLimits())
        let measurement = Measurement.time {
            for record in parsed.records { aggregator.add(record) }
            return parsed.records.count
        }
        precondition(aggregator.counters.acceptedLines == UInt64(parsed.records.count), "the aggregator lost calls")
        return measurement
    }
}
