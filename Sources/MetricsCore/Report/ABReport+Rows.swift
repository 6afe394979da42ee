/// A report from call rows read somewhere other than the local database (the fleet's
/// PostgreSQL, `FleetReport`): the rows go through the same arms and the same comparison as
/// ``ABReport/load(from:since:until:agent:minimumSamples:maximumCostIncrease:rolloutStage:)``,
/// so the numbers and the recommendation are the ones the SQLite path gives for those rows.
/// There are no rollups on this path: the fleet keeps raw calls (its retention drops whole days).
package struct ABReportRows: Sendable {
    var arms: [String: ArmPair] = [:]

    package init() {}

    /// One call of the window, as the report's SQLite scan reads it.
    package mutating func add(agent: String, finetuned: Bool, success: Bool, error: Bool, fallback: Bool,
                             costUSD: Double, inputTokens: Int, outputTokens: Int, latencyMilliseconds: Double,
                             timeToFirstTokenMilliseconds: Double? = nil, model: String) {
        arms[agent, default: ArmPair()].update(finetuned: finetuned) { arm in
            arm.requests += 1
            arm.successes += success ? 1 : 0
            arm.errors += error ? 1 : 0
            arm.fallbacks += fallback ? 1 : 0
            arm.costUSD += costUSD
            arm.inputTokens += inputTokens
            arm.outputTokens += outputTokens
            arm.latency.sortedMilliseconds.append(latencyMilliseconds)
            // Streamed calls only, as the SQLite scan reads them (`CASE WHEN stream = 1 THEN ttft_ms END`).
            if let timeToFirstTokenMilliseconds { arm.ttft.sortedMilliseconds.append(timeToFirstTokenMilliseconds) }
            if !arm.models.contains(model) { arm.models.append(model) }
        }
    }

    package func report(since: Double, until: Double, agent: String?,
                       minimumSamples: Int = ABReport.defaultMinimumSamples,
                       maximumCostIncrease: Double = ABReport.defaultMaximumCostIncrease,
                       rolloutStage: RolloutStage? = nil) -> ABReport {
        ABReport.assemble(arms, since: since, until: until, agent: agent, minimumSamples: minimumSamples,
                          maximumCostIncrease: maximumCostIncrease, rolloutStage: rolloutStage)
    }
}
