/// What the ingest pipeline needs to know: which log, limits, and the metric layout.
package struct IngestConfiguration: Sendable {
    package var calllogPath: String
    /// How a line becomes records: the default schema or a field mapping (docs/formats.md).
    package var format: CallLogFormat = .default
    /// Lines longer than this (bytes, without the newline) are rejected as `too_long`.
    package var maxLineBytes: Int = 1 << 20
    /// Lines per transaction. 10k amortises the commit (an fsync-free WAL append) well.
    package var batchLines: Int = 10_000
    package var buckets: LatencyBuckets = .default
    /// Bounds of the first-token histogram (`--metrics.ttft-buckets`).
    package var ttftBuckets: LatencyBuckets = .timeToFirstToken
    package var limits = LabelLimits()
    /// Series that exist at zero from the start (known agents), so `rate()` and the
    /// ModelUnavailable alert work before their first request.
    package var knownSeries: [SeriesKey] = []
    /// Error classes whose `model_errors_total` series exist at zero from a series' first
    /// line: without them, the first error of a class makes a new series whose first sample
    /// already holds it, and `rate()` never sees that increase.
    package var knownErrorTypes: [String] = ["timeout", "rate_limited", "server_error", "context_length_exceeded"]
    package var costBudgets = CostBudgets()
    /// Seconds a renamed-away file is still read after its last new byte.
    package var rotationGrace: Double = 2
    /// What the tailers time the rotation grace and the glob rescan on; tests advance their own.
    package var tailClock: MonotonicClock = .system
    package var retention = RetentionPolicy()
    /// The ingest threads lower their priority below the HTTP threads' (`serve`: scrapes come
    /// first; the one-shot `ingest` command has nothing to yield to). See `IngestThread`.
    package var yieldsToScrapes = false
    package var version = "dev"

    package init(calllogPath: String) {
        self.calllogPath = calllogPath
    }
}
