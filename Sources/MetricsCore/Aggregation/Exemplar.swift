/// A recent request that landed in a latency bucket: its id links a slow bucket in Grafana or
/// the Prometheus UI to a row of `calls` (`model-exporter query request-by-id`).
package struct Exemplar: Sendable, Equatable {
    package var requestID: String
    /// Latency in seconds.
    package var value: Double
    /// When the request finished, epoch seconds.
    package var timestamp: Double

    /// OpenMetrics caps an exemplar's label set at 128 UTF-8 characters; `request_id=""` takes 12.
    static let maxRequestIDBytes = 116
}

/// A model series as published: its totals, and the newest exemplar of each latency bucket.
package struct PublishedSeries: Sendable {
    package var key: SeriesKey
    package var totals: SeriesTotals
    /// One per latency bucket (last is +Inf); nil where no request with an id landed yet.
    package var exemplars: [Exemplar?]

    package init(key: SeriesKey, totals: SeriesTotals, exemplars: [Exemplar?] = []) {
        self.key = key
        self.totals = totals
        self.exemplars = exemplars
    }
}
