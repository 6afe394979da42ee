import Logging
package import MetricsCore
import PostgresNIO

/// `model-exporter report --storage.url postgres://…`: the A/B report over the fleet's
/// PostgreSQL replica, every instance's calls or one instance's (`--instance`).
///
/// The same scan as the SQLite path (`ABReport+Database.swift`), one pass over the window's
/// baseline and fine-tuned calls, fed to ``ABReportRows``, which shares the arms and the
/// comparison with that path: the fleet's report is the report of the instances' calls
/// together. Only bound parameters reach the SQL.
package struct FleetReport: Sendable {
    package var target: ReplicaTarget
    package var instance: String?

    package init(target: ReplicaTarget, instance: String? = nil) {
        self.target = target
        self.instance = instance
    }

    /// In the order the SQLite path scans its `calls_ts` index, `(ts, rowid)`, with instances
    /// by name: a sum of costs depends on the order of its terms, and this order makes the
    /// fleet's sums the very doubles one database holding every instance's calls would give,
    /// so the JSON report prints the same digits on both paths. The sort is PostgreSQL's, over
    /// the window's rows, on the `calls_ts` index.
    static let sql = """
        SELECT agent, variant = 'finetuned', success, error IS NOT NULL, fallback, cost_usd,
               coalesce(input_tokens, 0), coalesce(output_tokens, 0), latency_ms, model,
               CASE WHEN stream THEN ttft_ms END
        FROM calls
        WHERE ts >= $1::float8 AND ts < $2::float8 AND ($3::text IS NULL OR agent = $3::text)
          AND ($4::text IS NULL OR instance = $4::text) AND variant IN ('baseline', 'finetuned')
        ORDER BY ts, instance COLLATE "C", local_id
        """

    package func load(since: Double, until: Double, agent: String?, minimumSamples: Int = ABReport.defaultMinimumSamples,
                     maximumCostIncrease: Double = ABReport.defaultMaximumCostIncrease,
                     rolloutStage: RolloutStage? = nil) async throws(FleetQueryError) -> ABReport {
        var logger = Logger(label: "model-exporter.fleet-report")
        logger.logLevel = .error
        let connection: ReplicaConnection
        do {
            connection = try await ReplicaConnection.open(target, instance: instance ?? "", logger: logger)
        } catch {
            throw FleetQueryError.classify(error, target: target)
        }
        do {
            try await connection.checkInstanceShipped(instance)
            var binds = PostgresBindings()
            binds.append(since)
            binds.append(until)
            if let agent { binds.append(agent) } else { binds.appendNull() }
            if let instance { binds.append(instance) } else { binds.appendNull() }
            let rows = try await connection.connection.query(PostgresQuery(unsafeSQL: Self.sql, binds: binds), logger: logger)
            var arms = ABReportRows()
            for try await (name, finetuned, success, error, fallback, cost, input, output, latency, model, ttft)
                in rows.decode((String, Bool, Bool, Bool, Bool, Double, Int64, Int64, Double, String, Double?).self) {
                arms.add(agent: name, finetuned: finetuned, success: success, error: error, fallback: fallback, costUSD: cost,
                         inputTokens: Int(input), outputTokens: Int(output), latencyMilliseconds: latency,
                         timeToFirstTokenMilliseconds: ttft, model: model)
            }
            await connection.close()
            return arms.report(since: since, until: until, agent: agent, minimumSamples: minimumSamples,
                               maximumCostIncrease: maximumCostIncrease, rolloutStage: rolloutStage)
        } catch {
            await connection.close()
            throw FleetQueryError.classify(error, target: target)
        }
    }

    /// ``load(since:until:agent:minimumSamples:maximumCostIncrease:rolloutStage:)`` for the
    /// synchronous `report` command (``waitingFor(_:)``).
    package func loadWaiting(since: Double, until: Double, agent: String?, minimumSamples: Int, maximumCostIncrease: Double,
                            rolloutStage: RolloutStage?) throws(FleetQueryError) -> ABReport {
        let fleet = self
        return try waitingFor { () async throws(FleetQueryError) -> ABReport in
            try await fleet.load(since: since, until: until, agent: agent, minimumSamples: minimumSamples,
                                 maximumCostIncrease: maximumCostIncrease, rolloutStage: rolloutStage)
        }
    }
}
