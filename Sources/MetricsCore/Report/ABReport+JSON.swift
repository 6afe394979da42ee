import Foundation

/// The report as JSON for machines: raw numbers (rates as fractions, latencies in seconds,
/// costs in dollars), nulls where there is nothing to say, keys in snake case. The shape is
/// documented in `docs/report.md`.
extension ABReport {
    package func json() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Every double is finite by construction (see `finite`), so encoding cannot fail; the
        // fallback keeps the output valid JSON if that ever stops being true.
        let data = (try? encoder.encode(JSONReport(self))) ?? Data("{\"error\":\"cannot encode the report\"}".utf8)
        return Array(data) + [0x0A]
    }
}

private struct JSONReport: Encodable {
    struct Window: Encodable {
        var since: String
        var until: String
        var sinceEpochSeconds: Double
        var untilEpochSeconds: Double
    }

    struct Arm: Encodable {
        var models: [String]
        var requests: Int
        var rolledUpRequests: Int
        var successes: Int
        var successRate: Double?
        var successRateInterval: [Double]?
        var firstAttemptErrors: Int
        var firstAttemptErrorRate: Double?
        var firstAttemptErrorRateInterval: [Double]?
        var fallbacks: Int
        var fallbackRate: Double?
        var latencyP50Seconds: Double?
        var latencyP95Seconds: Double?
        var latencyP99Seconds: Double?
        var streamedRequests: Int
        var ttftP95Seconds: Double?
        var costUsd: Double
        var costPerRequestUsd: Double?
        var costPer1kTokensUsd: Double?
        var inputTokens: Int
        var outputTokens: Int

        enum CodingKeys: String, CodingKey {
            case models, requests, rolledUpRequests, successes, successRate, successRateInterval, firstAttemptErrors
            case firstAttemptErrorRate, firstAttemptErrorRateInterval, fallbacks, fallbackRate
            case latencyP50Seconds, latencyP95Seconds, latencyP99Seconds, streamedRequests, ttftP95Seconds, costUsd, costPerRequestUsd, inputTokens, outputTokens
            // Snake case would make this cost_per1k_tokens_usd.
            case costPer1kTokensUsd = "cost_per_1k_tokens_usd"
        }

        init(_ arm: ArmSummary) {
            models = arm.models
            requests = arm.requests
            rolledUpRequests = arm.rolledUpRequests
            successes = arm.successes
            successRate = finite(arm.successRate)
            successRateInterval = arm.successInterval.map { [$0.lowerBound, $0.upperBound] }
            firstAttemptErrors = arm.errors
            firstAttemptErrorRate = finite(arm.errorRate)
            firstAttemptErrorRateInterval = arm.errorInterval.map { [$0.lowerBound, $0.upperBound] }
            fallbacks = arm.fallbacks
            fallbackRate = finite(arm.fallbackRate)
            latencyP50Seconds = finite(arm.p50Seconds)
            latencyP95Seconds = finite(arm.p95Seconds)
            latencyP99Seconds = finite(arm.p99Seconds)
            streamedRequests = arm.streamedRequests
            ttftP95Seconds = finite(arm.ttftP95Seconds)
            costUsd = finite(arm.costUSD) ?? 0
            costPerRequestUsd = finite(arm.costPerRequest)
            costPer1kTokensUsd = finite(arm.costPer1kTokens)
            inputTokens = arm.inputTokens
            outputTokens = arm.outputTokens
        }
    }

    struct RateTest: Encodable {
        var test = "two-proportion z-test (pooled)"
        var difference: Double
        var z: Double
        var pValue: Double
        var significant: Bool
        var finetunedWorse: Bool
        var finetunedBetter: Bool

        init(_ test: AgentComparison.RateTest) {
            difference = finite(test.difference) ?? 0
            z = finite(test.z) ?? 0
            pValue = finite(test.pValue) ?? 1
            significant = test.significant
            finetunedWorse = test.finetunedWorse
            finetunedBetter = test.finetunedBetter
        }
    }

    struct LatencyTest: Encodable {
        var test = "Mann-Whitney U (normal approximation, tie and continuity corrected)"
        var u: Double
        var z: Double
        var pValue: Double
        var probabilityFinetunedSlower: Double
        var p95Ratio: Double?
        var significant: Bool
        var finetunedWorse: Bool
        var finetunedBetter: Bool
        var rankedByBucket: Bool

        init(_ test: AgentComparison.LatencyTest) {
            u = finite(test.u) ?? 0
            z = finite(test.z) ?? 0
            pValue = finite(test.pValue) ?? 1
            probabilityFinetunedSlower = finite(test.probabilityFinetunedSlower) ?? 0.5
            p95Ratio = finite(test.p95Ratio)
            significant = test.significant
            finetunedWorse = test.finetunedWorse
            finetunedBetter = test.finetunedBetter
            rankedByBucket = test.bucketed
        }
    }

    struct Tests: Encodable {
        var successRate: RateTest?
        var firstAttemptErrorRate: RateTest?
        var fallbackRate: RateTest?
        var latency: LatencyTest?
        var timeToFirstToken: LatencyTest?

        func encode(to encoder: any Encoder) throws {
            // Explicit nulls: a machine reading the report sees every key, tested or not.
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(successRate, forKey: .successRate)
            try container.encode(firstAttemptErrorRate, forKey: .firstAttemptErrorRate)
            try container.encode(fallbackRate, forKey: .fallbackRate)
            try container.encode(latency, forKey: .latency)
            try container.encode(timeToFirstToken, forKey: .timeToFirstToken)
        }

        enum CodingKeys: String, CodingKey {
            case successRate, firstAttemptErrorRate, fallbackRate, latency, timeToFirstToken
        }
    }

    /// Only for a proceed with `--rollout.current-percent`; the key is absent otherwise.
    struct Rollout: Encodable {
        var currentPercent: Int
        /// nil (null) at 100%.
        var nextPercent: Int?
        var fullyRolledOut: Bool
        var nextStep: String

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(currentPercent, forKey: .currentPercent)
            try container.encode(nextPercent, forKey: .nextPercent)
            try container.encode(fullyRolledOut, forKey: .fullyRolledOut)
            try container.encode(nextStep, forKey: .nextStep)
        }

        enum CodingKeys: String, CodingKey {
            case currentPercent, nextPercent, fullyRolledOut, nextStep
        }
    }

    struct Agent: Encodable {
        var agent: String
        var recommendation: String
        var reason: String
        var enoughData: Bool
        var latencyEstimated: Bool
        var costIncrease: Double?
        var rollout: Rollout?
        var baseline: Arm
        var finetuned: Arm
        var tests: Tests

        init(_ comparison: AgentComparison, stage: RolloutStage?) {
            agent = comparison.agent
            recommendation = comparison.recommendation.rawValue
            reason = comparison.reason
            costIncrease = finite(comparison.costIncrease)
            rollout = stage.map { Rollout(currentPercent: $0.percent, nextPercent: $0.next?.percent, fullyRolledOut: $0.next == nil,
                                          nextStep: $0.nextStepWords) }
            enoughData = comparison.enoughData
            latencyEstimated = comparison.latencyEstimated
            baseline = Arm(comparison.baseline)
            finetuned = Arm(comparison.finetuned)
            tests = Tests(successRate: comparison.successRate.map(RateTest.init),
                          firstAttemptErrorRate: comparison.errorRate.map(RateTest.init),
                          fallbackRate: comparison.fallbackRate.map(RateTest.init),
                          latency: comparison.latency.map(LatencyTest.init),
                          timeToFirstToken: comparison.timeToFirstToken.map(LatencyTest.init))
        }
    }

    var window: Window
    var minimumSamples: Int
    var significanceLevel: Double
    var latencyTolerance: Double
    var maxCostIncrease: Double
    var rolloutCurrentPercent: Int?
    var recommendation: String
    var exitCode: Int32
    var reason: String?
    var agents: [Agent]

    init(_ report: ABReport) {
        window = Window(since: RFC3339Timestamp.format(report.since), until: RFC3339Timestamp.format(report.until),
                        sinceEpochSeconds: report.since, untilEpochSeconds: report.until)
        minimumSamples = report.minimumSamples
        significanceLevel = ABReport.significanceLevel
        latencyTolerance = ABReport.latencyTolerance
        maxCostIncrease = report.maximumCostIncrease
        rolloutCurrentPercent = report.rolloutStage?.percent
        recommendation = report.recommendation.rawValue
        exitCode = report.exitCode
        reason = report.emptyReason
        agents = report.agents.map { Agent($0, stage: report.rolloutStage(for: $0)) }
    }
}

/// nil for NaN and infinities, which JSON cannot carry.
private func finite(_ value: Double?) -> Double? {
    guard let value, value.isFinite else { return nil }
    return value
}
