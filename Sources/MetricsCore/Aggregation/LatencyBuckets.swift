/// Upper bounds, in seconds, of the request-duration histogram (the +Inf bucket is implicit).
package struct LatencyBuckets: Sendable, Equatable {
    package let bounds: [Double]

    /// 5 and 10 seconds are the HighModelLatency and VeryHighModelLatency thresholds: a P95
    /// interpolated between buckets on either side of them would blur the alert.
    package static let `default` = LatencyBuckets(uncheckedBounds: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 7.5, 10, 15, 30, 60])

    /// Time to first token: OpenTelemetry's advice for `gen_ai.server.time_to_first_token`
    /// (0.001 … 10 s), with 0.75 s added so that a p95 around the usual 0.5–1 s interactive
    /// target is not interpolated across a half-second bucket, and 2.5 s kept as the
    /// HighTimeToFirstToken threshold.
    package static let timeToFirstToken = LatencyBuckets(uncheckedBounds: [
        0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
    ])

    /// Time per output token after the first: OpenTelemetry's advice for
    /// `gen_ai.server.time_per_output_token` (0.01 … 2.5 s).
    package static let timePerOutputToken = LatencyBuckets(uncheckedBounds: [
        0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5,
    ])

    package enum ValidationError: Error, CustomStringConvertible, Equatable {
        case empty
        case notIncreasing(Double, Double)
        case notPositiveFinite(Double)

        package var description: String {
            switch self {
            case .empty: "histogram buckets: give at least one bucket bound"
            case let .notIncreasing(a, b): "histogram buckets must be strictly increasing: \(a) is followed by \(b)"
            case let .notPositiveFinite(v): "histogram bucket bound \(v) must be a positive finite number of seconds"
            }
        }
    }

    package init(bounds: [Double]) throws(ValidationError) {
        guard !bounds.isEmpty else { throw .empty }
        for bound in bounds where !(bound.isFinite && bound > 0) { throw .notPositiveFinite(bound) }
        for (a, b) in zip(bounds, bounds.dropFirst()) where !(a < b) { throw .notIncreasing(a, b) }
        self.bounds = bounds
    }

    /// Bounds from a comma-separated list of seconds, as the `--metrics.*-buckets` flags take them.
    package init(list text: String) throws(ListError) {
        // Trimmed by hand: MetricsCore's parsing layer keeps to the standard library.
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { String($0.drop(while: blank).reversed().drop(while: blank).reversed()) }
        let bounds = parts.compactMap(Double.init)
        guard bounds.count == parts.count else { throw .notNumbers(text) }
        do {
            try self.init(bounds: bounds)
        } catch {
            throw .invalid(error)
        }
    }

    package enum ListError: Error, CustomStringConvertible {
        case notNumbers(String)
        case invalid(ValidationError)

        package var description: String {
            switch self {
            case let .notNumbers(text): "\"\(text)\" is not a comma-separated list of numbers"
            case let .invalid(error): error.description
            }
        }
    }

    private init(uncheckedBounds: [Double]) {
        self.bounds = uncheckedBounds
    }

    /// Index of the first bucket whose bound is ≥ seconds; `bounds.count` is the +Inf bucket.
    @inline(__always)
    package func index(for seconds: Double) -> Int {
        // Linear: a dozen bounds, and most requests land in the first few.
        var i = 0
        while i < bounds.count && seconds > bounds[i] { i &+= 1 }
        return i
    }

    /// The canonical text of the bounds, stored with the totals to detect a configuration change.
    package var canonicalText: String {
        bounds.map { PrometheusNumber.format($0) }.joined(separator: ",")
    }
}
