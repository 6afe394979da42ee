/// Everything a scrape or a health check shows, as it stood after one commit. Immutable once
/// published; the exposition is a pure function of it. Liveness (the ingest loop's heartbeat)
/// is not part of it: it lives beside it on `MetricsBoard`, so a beat never invalidates the
/// rendered exposition.
public struct MetricsSnapshot: Sendable {
    /// Model series; empty until the first catch-up is done, so that Prometheus never sees
    /// history as a burst of traffic.
    public var series: [PublishedSeries] = []
    public var buckets: LatencyBuckets = .default
    public var counters = ExporterCounters()
    public var calllog = CallLogStatus(path: "")
    public var catchUpComplete = false
    public var seriesCount = 0
    public var seriesLimit = 0
    /// Wall-clock time of the last successful commit, epoch seconds.
    public var lastCommitTime: Double?
    public var commits: UInt64 = 0
    /// Failed commits since the process started.
    public var storeErrors: UInt64 = 0
    /// The last store error, cleared by the next successful commit.
    public var lastStoreError: String?
    public var storagePath = ""
    public var version = "dev"
    public var startTime: Double = 0
    /// Error classes written at zero for every series (`--metrics.known-error-types`).
    public var knownErrorTypes: [String] = []
    public var costBudgets = CostBudgets()

    public init() {}
}
