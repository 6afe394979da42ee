/// The two formats Prometheus scrapes.
package enum ExpositionFormat: Sendable, Hashable {
    /// Text format 0.0.4: what every Prometheus reads.
    case prometheusText
    /// OpenMetrics 1.0: adds units, `_created`, exemplars and `# EOF`.
    case openMetrics

    package var contentType: String {
        switch self {
        case .prometheusText: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// The format for a scraper's `Accept` header: OpenMetrics when it is asked for (as
    /// Prometheus does, preferring it), text otherwise.
    package static func negotiate(accept: String?) -> ExpositionFormat {
        guard let accept else { return .prometheusText }
        for part in accept.split(separator: ",") {
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: " \t") }
            guard fields.first == "application/openmetrics-text" else { continue }
            let q = fields.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if q > 0 { return .openMetrics }
        }
        return .prometheusText
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var scalars = Substring(self)
        while let first = scalars.first, set.contains(first) { scalars.removeFirst() }
        while let last = scalars.last, set.contains(last) { scalars.removeLast() }
        return String(scalars)
    }
}
