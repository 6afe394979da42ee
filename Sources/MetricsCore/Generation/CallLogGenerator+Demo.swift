/// The traffic of `model-exporter demo`: calm enough that no shipped alert fires.
///
/// The default profile is a load-test shape (its spend at 20 requests per second was ~$14/h,
/// over HighCostBurn's $5/h, and its 1.15% failed requests burn a 99% availability objective
/// faster than 1×, so the slow burn-rate alert would fire). The demo's arms fail less, answer a
/// little faster and cost about a fifth: ~$2.9/h at 20/s, 0.13% failed requests (a quarter
/// of legal_agent's 99.5% budget: a young demo's few minutes of data must not read as a slow
/// burn), p95 latency ~1.7 s, p95 time to first token ~0.7 s. `CallLogGeneratorDemoTests`
/// checks the traffic against the thresholds read from `prometheus/*.yml`.
extension CallLogGenerator.Profile {
    package static let demo = CallLogGenerator.Profile(
        agents: CallLogGenerator.Profile.default.agents,
        baseline: CallLogGenerator.Arm(errorRate: 0.002, medianLatencyMs: 600, costPer1kTokens: 0.00005),
        finetuned: CallLogGenerator.Arm(errorRate: 0.006, medianLatencyMs: 550, costPer1kTokens: 0.000055),
        finetunedShare: 0.5, fallbackRescue: 0.9)
}

extension CallLogGenerator {
    /// The demo's spend budgets in US dollars: the normal traffic spends ~70% of the daily
    /// budget's pace, so DailyBudgetAtRisk stays quiet until the `budget` incident.
    package static let demoHourlyBudget = 20.0
    package static let demoDailyBudget = 100.0
}
