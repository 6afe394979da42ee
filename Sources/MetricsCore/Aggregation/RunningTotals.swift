/// The running totals as plain values keyed by series: what the store loads and saves, and
/// what the aggregator restores from and hands back after a batch. Neither side learns how
/// the other keeps them: the aggregator knows nothing of SQLite or row ids, and the store
/// knows nothing of label bounds, exemplars or dirty flags.
package struct RunningTotals: Sendable {
    /// Every series, in key order.
    package var series: [(key: SeriesKey, totals: SeriesTotals)]
    package var counters: ExporterCounters

    package init(series: [(key: SeriesKey, totals: SeriesTotals)] = [], counters: ExporterCounters = ExporterCounters()) {
        self.series = series
        self.counters = counters
    }
}

/// What changed since the last commit: the series whose totals moved and, when any counter
/// moved, the exporter counters. Saved in the batch's transaction.
package struct TotalsChanges: Sendable {
    package var series: [(key: SeriesKey, totals: SeriesTotals)]
    package var counters: ExporterCounters?

    package init(series: [(key: SeriesKey, totals: SeriesTotals)] = [], counters: ExporterCounters? = nil) {
        self.series = series
        self.counters = counters
    }
}
