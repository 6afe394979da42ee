import Foundation
import MetricsCore
import Testing

/// Generated traffic read back with Foundation's JSON decoding, and the shipped alerts'
/// conditions evaluated on it the way Prometheus would on the exporter's series: ratios over
/// the rules' windows, P95s interpolated in histogram buckets as `histogram_quantile` does,
/// spend per hour. Evaluated once a simulated minute; an alert "fires" when its condition held
/// at every evaluation of its `for` before the end, and "stays quiet" when it held at none.
///
/// This is what Prometheus would see of the demo: only the live traffic, from `start` (the
/// hour of history is read during catch-up, before any model series is exported).
struct TrafficSimulation {
    struct Call {
        var ts: Double
        var agent: String
        var success: Bool
        var error: Bool
        var fallback: Bool
        var latency: Double
        var cost: Double
        var ttft: Double?
    }

    static let latencyBounds: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 7.5, 10, 15, 30, 60]
    static let ttftBounds: [Double] = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]

    /// One agent's calls (or all, under ""), with running sums so that a window is two binary searches.
    struct Series {
        var ts: [Double] = [0]
        var requests: [Double] = [0]
        var failed: [Double] = [0]
        var errors: [Double] = [0]
        var fallbacks: [Double] = [0]
        var successes: [Double] = [0]
        var slow: [Double] = [0]
        var cost: [Double] = [0]
        /// Cumulative per bucket bound (not per le): latency and TTFT.
        var latencyBuckets: [[Double]] = [Array(repeating: 0, count: TrafficSimulation.latencyBounds.count)]
        var ttftBuckets: [[Double]] = [Array(repeating: 0, count: TrafficSimulation.ttftBounds.count)]
        var streamed: [Double] = [0]

        mutating func append(_ call: Call, slowThreshold: Double) {
            func add(_ array: inout [Double], _ value: Double) { array.append(array.last! + value) }
            ts.append(call.ts)
            add(&requests, 1)
            add(&failed, call.success ? 0 : 1)
            add(&successes, call.success ? 1 : 0)
            add(&errors, call.error ? 1 : 0)
            add(&fallbacks, call.fallback ? 1 : 0)
            add(&slow, call.latency > slowThreshold ? 1 : 0)
            add(&cost, call.cost)
            latencyBuckets.append(zip(latencyBuckets.last!, TrafficSimulation.latencyBounds).map { $0 + (call.latency <= $1 ? 1 : 0) })
            let ttft = call.ttft ?? .infinity
            ttftBuckets.append(zip(ttftBuckets.last!, TrafficSimulation.ttftBounds).map { $0 + (ttft <= $1 ? 1 : 0) })
            add(&streamed, call.ttft == nil ? 0 : 1)
        }

        /// Indexes into the running sums of (t - seconds, t].
        func range(_ seconds: Double, endingAt t: Double) -> (Int, Int) {
            func count(atOrBefore x: Double) -> Int {  // calls with ts <= x, ts[0] being a sentinel
                var low = 1, high = ts.count
                while low < high {
                    let mid = (low + high) / 2
                    if ts[mid] <= x { low = mid + 1 } else { high = mid }
                }
                return low - 1
            }
            return (count(atOrBefore: t - seconds), count(atOrBefore: t))
        }

        func sum(_ array: [Double], _ seconds: Double, _ t: Double) -> Double {
            let (from, to) = range(seconds, endingAt: t)
            return array[to] - array[from]
        }

        /// histogram_quantile over the window's buckets, +Inf answered with the highest finite bound.
        func quantile(_ q: Double, ttft: Bool, _ seconds: Double, _ t: Double) -> Double? {
            let (from, to) = range(seconds, endingAt: t)
            let buckets = ttft ? ttftBuckets : latencyBuckets
            let bounds = ttft ? TrafficSimulation.ttftBounds : TrafficSimulation.latencyBounds
            let total = ttft ? streamed[to] - streamed[from] : requests[to] - requests[from]
            guard total > 0 else { return nil }
            let rank = q * total
            var lower = 0.0, below = 0.0
            for (index, bound) in bounds.enumerated() {
                let count = buckets[to][index] - buckets[from][index]
                if count >= rank { return lower + (bound - lower) * (rank - below) / max(count - below, 1e-300) }
                lower = bound
                below = count
            }
            return bounds.last
        }
    }

    var series: [String: Series] = [:]
    var gateway = Series()
    var start: Double
    var end: Double
    let rules: ShippedAlertRules
    var dailyBudget: Double

    /// `seconds` of traffic at `rate` requests per second.
    init(profile: CallLogGenerator.Profile, seconds: Double, rate: Double = 20, seed: UInt64 = 11,
         dailyBudget: Double = CallLogGenerator.demoDailyBudget) throws {
        start = 1_796_000_000
        end = start + seconds
        rules = try ShippedAlertRules()
        self.dailyBudget = dailyBudget
        var generator = CallLogGenerator(seed: seed, startTimestamp: start, requestsPerSecond: rate, profile: profile)
        var thresholds: [String: Double] = [:]
        while generator.nextTimestamp < end {
            let ts = generator.nextTimestamp
            let line = generator.nextLine()
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let agent = try #require(object["agent"] as? String)
            let stream = object["stream"] as? Bool ?? false
            let call = Call(
                ts: ts, agent: agent,
                success: try #require(object["success"] as? Bool), error: !(object["error"] is NSNull),
                fallback: object["fallback"] as? Bool ?? false,
                latency: try #require((object["latency_ms"] as? NSNumber)?.doubleValue) / 1000,
                cost: (object["cost_usd"] as? NSNumber)?.doubleValue ?? 0,
                ttft: stream ? (object["ttft_ms"] as? NSNumber).map { $0.doubleValue / 1000 } : nil)
            if thresholds[agent] == nil { thresholds[agent] = rules.latencySLOThreshold(for: agent) }
            series[agent, default: Series()].append(call, slowThreshold: thresholds[agent]!)
            gateway.append(call, slowThreshold: .infinity)
        }
    }

    var agents: [String] { series.keys.sorted() }

    /// The condition of `alert` per agent (gateway-wide alerts under ""), at time `t`.
    func condition(_ alert: String, at t: Double) -> [String: Bool] {
        // Read only for the alerts with one final comparison (not the burn-rate ones).
        var threshold: Double { rules.rule(alert).threshold }
        func perAgent(_ value: (Series) -> Double?, _ compare: (Double) -> Bool) -> [String: Bool] {
            series.compactMapValues { value($0).map(compare) }
        }
        func ratio(_ part: KeyPath<Series, [Double]>) -> (Series) -> Double? {
            { s in
                let total = s.sum(s.requests, 300, t)
                return total > 0 ? s.sum(s[keyPath: part], 300, t) / total : nil
            }
        }
        switch alert {
        case "HighModelErrorRate": return perAgent(ratio(\.errors)) { $0 > threshold }
        case "HighFallbackRate": return perAgent(ratio(\.fallbacks)) { $0 > threshold }
        case "LowSuccessRate": return perAgent(ratio(\.successes)) { $0 < threshold }
        case "HighModelLatency", "VeryHighModelLatency":
            return perAgent({ $0.quantile(0.95, ttft: false, 300, t) }) { $0 > threshold }
        case "HighTimeToFirstToken":
            return perAgent({ $0.quantile(0.95, ttft: true, 300, t) }) { $0 > threshold }
        // rate() over a window longer than the data divides by the time the data covers (it
        // extrapolates no further than the samples), not by the whole window.
        case "HighCostBurn", "CriticalCostOverrun":
            return ["": gateway.sum(gateway.cost, 900, t) / min(900, t - start) * 3600 > threshold]
        case "DailyBudgetAtRisk":
            return ["": gateway.sum(gateway.cost, 3600, t) / min(3600, t - start) * 86400 / dailyBudget > threshold]
        case "DailyBudgetExceeded":
            return ["": gateway.sum(gateway.cost, 86400, t) / dailyBudget > threshold]
        default:
            return burnRate(alert, at: t)
        }
    }

    /// The SLO alerts, from the terms of their generated expressions.
    func burnRate(_ alert: String, at t: Double) -> [String: Bool] {
        var out: [String: Bool] = [:]
        for condition in rules.burnRateConditions(alert) {
            for (agent, s) in series where condition.applies(to: agent) {
                out[agent] = condition.groups.contains { group in
                    s.sum(s.requests, group.guardWindowSeconds, t) >= group.minimumRequests
                        && group.terms.allSatisfy { term in
                            let total = s.sum(s.requests, term.windowSeconds, t)
                            let bad = s.sum(term.kind == "failed" ? s.failed : s.slow, term.windowSeconds, t)
                            return total > 0 && bad / total / term.budget > term.factor
                        }
                }
            }
        }
        return out
    }

    /// Spend per hour over the whole run, gateway-wide.
    var dollarsPerHour: Double { gateway.cost.last! / (end - start) * 3600 }

    /// Evaluation times: every minute from the fifth to the end.
    var evaluations: [Double] { stride(from: start + 300, through: end, by: 60).map { $0 } }

    /// The keys (agent, or "" for the gateway) for which `alert` would fire by the end.
    func firing(_ alert: String) -> Set<String> {
        let needed = evaluations.filter { $0 >= end - max(rules.rule(alert).forSeconds, 60) }
        var keys: Set<String>?
        for t in needed {
            let holding = Set(condition(alert, at: t).filter(\.value).keys)
            keys = keys.map { $0.intersection(holding) } ?? holding
        }
        return keys ?? []
    }

    /// The keys for which `alert`'s condition held at any evaluation.
    func everHolding(_ alert: String) -> Set<String> {
        evaluations.reduce(into: Set<String>()) { keys, t in keys.formUnion(condition(alert, at: t).filter(\.value).keys) }
    }

    /// The alerts the simulation evaluates: every alert about the traffic in prometheus/*.yml.
    static let trafficAlerts = [
        "HighModelErrorRate", "HighModelLatency", "VeryHighModelLatency", "HighCostBurn", "CriticalCostOverrun",
        "HighFallbackRate", "LowSuccessRate", "DailyBudgetAtRisk", "DailyBudgetExceeded", "HighTimeToFirstToken",
        "AvailabilitySLOFastBurn", "AvailabilitySLOSlowBurn", "LatencySLOFastBurn", "LatencySLOSlowBurn",
    ]
}
