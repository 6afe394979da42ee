/// The A/B report behind `model-exporter report`: per agent, the fine-tuned arm against the
/// baseline over a window, and a recommendation a rollout script can gate on.
///
/// Figures per arm: requests; success rate and first-attempt error rate (`error IS NOT NULL`)
/// with 95% Wilson intervals; fallback rate; latency p50/p95/p99 (exact from raw calls;
/// estimated from histogram buckets once the window reaches hours that retention has rolled
/// up); time to first token p95 of streamed calls; cost per request and per 1,000 tokens.
///
/// The rule, per agent (`docs/report.md` has the same text; change both together):
///
/// 1. **hold** when either arm has fewer than `minimumSamples` requests in the window (default
///    200): "not enough data". No test is run and nothing is guessed.
/// 2. **roll back** when the fine-tuned arm is significantly worse on at least one of:
///    - success rate: pooled two-proportion z-test, two-sided p < 0.05, fine-tuned lower by at
///      least 1 percentage point;
///    - first-attempt error rate: the same test, fine-tuned higher by at least 1 point;
///    - latency: Mann–Whitney U (normal approximation, tie and continuity corrected), two-sided
///      p < 0.05 with fine-tuned calls tending to be slower (U > n₁n₂/2), **and** fine-tuned
///      p95 more than 20% above the baseline's p95 (a significant but small slowdown is not
///      reason enough);
///    - time to first token: the same test and 20% on the p95, over the streamed calls'
///      `ttft_ms` (raw calls only), when both arms have `minimumSamples` streamed calls.
/// 3. **hold** when the fine-tuned cost per request is more than `maximumCostIncrease`
///    (default 20%, `--max-cost-increase`) above the baseline's: not worse, but too dear to
///    proceed. The reason names both costs per request and the share.
/// 4. **proceed** otherwise: enough data, not significantly worse on any of the four, and not
///    too dear. With a `rolloutStage`, a proceed names the next stage (10 → 25 → 50 → 100%).
///
/// The fallback rate is reported with its own z-test but does not decide. The report's recommendation is the worst of its agents' (roll back > hold >
/// proceed), and so is the exit code: 0 proceed, 3 hold, 4 roll back. A report with no agent
/// in it (no calls in the window) holds.
///
/// Three tests at α = 0.05 per agent, and a report run again and again during a rollout, make
/// a false "roll back" more likely than 5%; the rule accepts that, since rolling back is the
/// cheap, safe error. The 1-point floor on rates keeps huge samples from calling a
/// meaningless difference (3.1% vs 3.0% errors over a week was p = 0.049) a reason to roll back.
package struct ABReport: Sendable {
    /// Two-sided tests at α = 0.05.
    package static let significanceLevel = 0.05
    /// Latency counts as worse only when the fine-tuned p95 is more than 20% above the baseline's.
    package static let latencyTolerance = 0.20
    /// Rates count as worse only when the difference is at least one percentage point.
    package static let minimumRateDifference = 0.01
    package static let defaultMinimumSamples = 200
    /// A fine-tuned arm more than 20% dearer per request than the baseline does not proceed.
    package static let defaultMaximumCostIncrease = 0.20

    /// Epoch seconds, [since, until).
    package var since: Double
    package var until: Double
    package var minimumSamples: Int
    /// The agent asked for with `--agent`, if any.
    package var agentFilter: String?
    /// Agents with calls in the window (or the one asked for), by name.
    package var agents: [AgentComparison]
    /// The share above the baseline's cost per request beyond which the fine-tuned arm holds.
    package var maximumCostIncrease: Double
    /// The rollout stage the fine-tuned models are at (`--rollout.current-percent`); nil: the
    /// report says nothing of stages.
    package var rolloutStage: RolloutStage?

    package init(since: Double, until: Double, minimumSamples: Int, agentFilter: String?, agents: [AgentComparison],
                maximumCostIncrease: Double = ABReport.defaultMaximumCostIncrease, rolloutStage: RolloutStage? = nil) {
        self.since = since
        self.until = until
        self.minimumSamples = minimumSamples
        self.agentFilter = agentFilter
        self.agents = agents
        self.maximumCostIncrease = maximumCostIncrease
        self.rolloutStage = rolloutStage
    }

    /// For an agent whose verdict is proceed, the current stage (the next is its `next`, nil
    /// when fully rolled out); nil without `rolloutStage` or for hold and roll back.
    package func rolloutStage(for agent: AgentComparison) -> RolloutStage? {
        agent.recommendation == .proceed ? rolloutStage : nil
    }

    /// The worst recommendation of the report; hold when it has no agent.
    package var recommendation: Recommendation {
        agents.map(\.recommendation).max() ?? .hold
    }

    package var exitCode: Int32 { recommendation.exitCode }

    /// Why the report as a whole says what it says, when it has no agent to say it for it.
    package var emptyReason: String? {
        guard agents.isEmpty else { return nil }
        return "no calls in the window" + (agentFilter.map { " from agent \($0)" } ?? "")
    }
}
