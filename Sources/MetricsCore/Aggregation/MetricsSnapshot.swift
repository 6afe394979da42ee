/// Everything a scrape or a health check shows, as it stood after one commit. Immutable once
/// published; the exposition is a pure function of it. Liveness (the ingest loop's heartbeat)
/// is not part of it: it lives beside it on `MetricsBoard`, so a beat never invalidates the
/// rendered exposition.
package struct MetricsSnapshot: Sendable {
    /// Model series; empty until the first catch-up is done, so that Prometheus never sees
    /// history as a burst of traffic.
    package var series: [PublishedSeries] = []
    package var buckets: LatencyBuckets = .default
    package var ttftBuckets: LatencyBuckets = .timeToFirstToken
    package var counters = ExporterCounters()
    package var calllog = CallLogStatus(path: "")
    package var catchUpComplete = false
    package var seriesCount = 0
    package var seriesLimit = 0
    /// Wall-clock time of the last successful commit, epoch seconds.
    package var lastCommitTime: Double?
    package var commits: UInt64 = 0
    /// Failed commits since the process started.
    package var storeErrors: UInt64 = 0
    /// The last store error, cleared by the next successful commit.
    package var lastStoreError: String?
    package var storagePath = ""
    package var version = "dev"
    package var startTime: Double = 0
    /// Error classes written at zero for every series (`--metrics.known-error-types`).
    package var knownErrorTypes: [String] = []
    package var costBudgets = CostBudgets()
    /// The replica shipper's state; nil when no replica is configured. Published by the
    /// shipper (``MetricsBoard/publishReplica(_:)``), not by the ingest thread.
    package var replica: ReplicaMetrics?

    package init() {}
}
