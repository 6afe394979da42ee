/// A scripted incident `model-exporter demo --incident NAME` plays on top of the demo traffic,
/// so that someone watching their own Prometheus and Alertmanager sees the matching alert fire.
///
/// Each incident changes the arms of one agent (or, for spend, of every agent) from the moment
/// the live traffic starts; the hour of history written before stays normal. The sizes are
/// chosen with margin on both sides of the thresholds in `prometheus/*.yml`, at the demo's 20
/// requests per second (4 per agent), and `DemoIncidentTests` checks each one in simulation
/// against its alert's condition:
///
/// | incident | agent | change | fires |
/// |---|---|---|---|
/// | error-spike | qa_agent | 8% first attempts rate-limited, the fallback answers 90% | HighModelErrorRate |
/// | latency | content_agent | median 12 s | VeryHighModelLatency, HighModelLatency, LatencySLOFastBurn, LatencySLOSlowBurn, HighTimeToFirstToken (a slow answer's first token is slow too) |
/// | cost-overrun | all | 10× the price: ~$29/h | CriticalCostOverrun, HighCostBurn, DailyBudgetAtRisk (DailyBudgetExceeded after ~3.5 h) |
/// | budget | all | 5× the price: ~$14.5/h, under the $20/h page but 3.5× the $100/day budget's pace | DailyBudgetAtRisk, HighCostBurn (DailyBudgetExceeded after ~7 h) |
/// | agent-outage | support_agent | every request fails at once (server_error), no fallback | AvailabilitySLOFastBurn, AvailabilitySLOSlowBurn, LowSuccessRate, HighModelErrorRate |
/// | finetuned-regression | analyst_agent | the fine-tuned arm fails 30%, the fallback answers 90% | HighFallbackRate, HighModelErrorRate, AvailabilitySLOSlowBurn (1.8% fail in the end, 1.8× a 99% objective's budget) |
/// | slow-first-token | legal_agent | every answer streamed, first token ~3 s | HighTimeToFirstToken |
///
/// slow-first-token is legal_agent's because its latency objective is 5 s (prometheus/slo.yml):
/// answers of ~3.5 s stay under HighModelLatency and its latency SLO, so only the TTFT alert fires.
package enum DemoIncident: String, CaseIterable, Sendable {
    case errorSpike = "error-spike"
    case latency
    case costOverrun = "cost-overrun"
    case budget
    case agentOutage = "agent-outage"
    case finetunedRegression = "finetuned-regression"
    case slowFirstToken = "slow-first-token"

    /// The agent it happens to; nil for the gateway-wide spend incidents.
    package var agent: String? {
        switch self {
        case .errorSpike: "qa_agent"
        case .latency: "content_agent"
        case .costOverrun, .budget: nil
        case .agentOutage: "support_agent"
        case .finetunedRegression: "analyst_agent"
        case .slowFirstToken: "legal_agent"
        }
    }

    /// The alerts it is made to fire, for the demo's banner and the tests.
    package var alerts: [String] {
        switch self {
        case .errorSpike: ["HighModelErrorRate"]
        case .latency: ["VeryHighModelLatency", "HighModelLatency", "LatencySLOFastBurn", "LatencySLOSlowBurn", "HighTimeToFirstToken"]
        case .costOverrun: ["CriticalCostOverrun", "HighCostBurn", "DailyBudgetAtRisk"]
        case .budget: ["DailyBudgetAtRisk", "HighCostBurn"]
        case .agentOutage: ["AvailabilitySLOFastBurn", "AvailabilitySLOSlowBurn", "LowSuccessRate", "HighModelErrorRate"]
        case .finetunedRegression: ["HighFallbackRate", "HighModelErrorRate", "AvailabilitySLOSlowBurn"]
        case .slowFirstToken: ["HighTimeToFirstToken"]
        }
    }

    /// `profile` with the incident in it.
    package func applied(to profile: CallLogGenerator.Profile) -> CallLogGenerator.Profile {
        var profile = profile
        let normal = CallLogGenerator.Arms(baseline: profile.baseline, finetuned: profile.finetuned)
        func change(_ agent: String, _ edit: (inout CallLogGenerator.Arm, _ finetuned: Bool) -> Void) {
            var arms = profile.perAgent[agent] ?? normal
            edit(&arms.baseline, false)
            edit(&arms.finetuned, true)
            profile.perAgent[agent] = arms
        }
        func price(times factor: Double) {
            profile.baseline.costPer1kTokens *= factor
            profile.finetuned.costPer1kTokens *= factor
            for (agent, var arms) in profile.perAgent {
                arms.baseline.costPer1kTokens *= factor
                arms.finetuned.costPer1kTokens *= factor
                profile.perAgent[agent] = arms
            }
        }
        switch self {
        case .errorSpike:
            change("qa_agent") { arm, _ in arm.errorRate = 0.08; arm.fallsBack = true; arm.errorType = "rate_limited" }
        case .latency:
            change("content_agent") { arm, _ in arm.medianLatencyMs = 12_000 }
        case .costOverrun:
            price(times: 10)
        case .budget:
            price(times: 5)
        case .agentOutage:
            change("support_agent") { arm, _ in arm.errorRate = 1; arm.fallsBack = false; arm.errorType = "server_error" }
        case .finetunedRegression:
            change("analyst_agent") { arm, finetuned in if finetuned { arm.errorRate = 0.3; arm.errorType = "server_error" } }
        case .slowFirstToken:
            change("legal_agent") { arm, _ in arm.streamShare = 1; arm.medianTTFTMs = 3000 }
        }
        return profile
    }

    /// For the message that refuses an unknown name.
    package static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
