/// One agent's state over the last few minutes (5 by default), for `/health/{agent}` and the
/// `agents` object of `/health`.
///
/// The rule, first match wins (`docs/report.md` has the same text):
/// - `IDLE`: no requests in the window;
/// - `ERROR`: first-attempt error rate above 5%, or success rate below 90%;
/// - `SLOW`: p95 latency above 5 seconds (the HighModelLatency alert's threshold);
/// - `OK` otherwise.
/// ERROR wins over SLOW: failing requests matter more than slow ones, and timeouts make an
/// erroring agent slow as well.
package struct AgentHealth: Sendable, Equatable {
    package enum State: String, Sendable, Equatable {
        case ok = "OK"
        case slow = "SLOW"
        case error = "ERROR"
        case idle = "IDLE"
    }

    package struct Thresholds: Sendable, Equatable {
        /// ERROR above this first-attempt error rate.
        package var maximumErrorRate = 0.05
        /// ERROR below this success rate.
        package var minimumSuccessRate = 0.90
        /// SLOW above this p95, in seconds.
        package var maximumP95Seconds = 5.0

        package init() {}
    }

    package var agent: String
    package var state: State
    /// Why the state is not OK, one line per broken threshold; empty when OK.
    package var reasons: [String]
    package var requests: Int
    package var successes: Int
    package var errors: Int
    package var fallbacks: Int
    package var p95Seconds: Double?
    /// Epoch seconds, (start, end].
    package var windowStart: Double
    package var windowEnd: Double

    package var successRate: Double? { requests > 0 ? Double(successes) / Double(requests) : nil }
    package var errorRate: Double? { requests > 0 ? Double(errors) / Double(requests) : nil }
    package var fallbackRate: Double? { requests > 0 ? Double(fallbacks) / Double(requests) : nil }
    package var windowSeconds: Double { windowEnd - windowStart }

    /// Classifies the figures by `thresholds`.
    package init(agent: String, requests: Int, successes: Int, errors: Int, fallbacks: Int, p95Seconds: Double?,
                windowStart: Double, windowEnd: Double, thresholds: Thresholds = Thresholds()) {
        self.agent = agent
        self.requests = requests
        self.successes = successes
        self.errors = errors
        self.fallbacks = fallbacks
        self.p95Seconds = p95Seconds
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        var errorReasons: [String] = []
        var slowReasons: [String] = []
        if requests == 0 {
            state = .idle
            reasons = ["no requests in the last \(Int(windowEnd - windowStart)) seconds"]
            return
        }
        let errorRate = Double(errors) / Double(requests)
        let successRate = Double(successes) / Double(requests)
        if errorRate > thresholds.maximumErrorRate {
            errorReasons.append("first-attempt error rate \(Self.percent(errorRate)) is above \(Self.percent(thresholds.maximumErrorRate))")
        }
        if successRate < thresholds.minimumSuccessRate {
            errorReasons.append("success rate \(Self.percent(successRate)) is below \(Self.percent(thresholds.minimumSuccessRate))")
        }
        if let p95Seconds, p95Seconds > thresholds.maximumP95Seconds {
            slowReasons.append("p95 latency \(Self.decimal(p95Seconds)) s is above \(Self.decimal(thresholds.maximumP95Seconds)) s")
        }
        state = !errorReasons.isEmpty ? .error : !slowReasons.isEmpty ? .slow : .ok
        reasons = errorReasons + slowReasons
    }

    /// 0.0523 → "5.2%", without Foundation's formatters.
    private static func percent(_ value: Double) -> String {
        decimal(value * 100) + "%"
    }

    /// One decimal place.
    private static func decimal(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        guard tenths.isFinite, abs(tenths) < 1e15 else { return "\(value)" }
        let whole = Int64(tenths) / 10
        let fraction = abs(Int64(tenths) % 10)
        return (tenths < 0 && whole == 0 ? "-" : "") + "\(whole).\(fraction)"
    }
}
