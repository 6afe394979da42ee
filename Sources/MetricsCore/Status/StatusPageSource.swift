/// Reads ``StatusPageData`` from the database for the status page, cheaply enough that any
/// number of open browser tabs refreshing every 10 seconds cost one read per `cacheSeconds`.
///
/// - One statement: the last hour's calls by the `calls_ts` index range (the only index on
///   `calls`), added up per arm and minute in Swift, where the exact percentiles are taken.
///   SQLite has no percentile function, and grouping in SQL would still have to hand every
///   latency over; one pass that reads each row once is the cheaper of the two.
/// - The result is kept for `cacheSeconds` (3 s): refreshing tabs share it, and a page is
///   never older than the refresh interval.
/// - Its own read-only connection, opened on first use (serve may not have created the
///   database yet) and dropped after any error so that the next request reopens it. In WAL
///   mode a reader never blocks the writer, and the statement is reset as soon as it has been
///   read, so no read transaction lingers to hold back WAL checkpoints.
/// - The connection lives in a `Mutex`: requests that find the result stale take turns; the
///   first refreshes it and the others reuse it. The cached page has its own lock, so a fresh
///   answer never waits behind a query.
/// - ``page()`` runs the read on a dedicated dispatch queue, never on the caller's thread (an
///   event loop must not block on SQLite).
///
/// Agent states come from `agentHealth`, the probe behind `/health/{agent}`, so the page and
/// the endpoint cannot disagree about the rule.
package final class StatusPageSource: Sendable {
    package let path: String
    package let agentHealth: AgentHealthProbe?
    package let cacheSeconds: Double
    package let bucketSeconds: Double
    package let bucketCount: Int
    package let recentBuckets: Int
    package let maximumArms: Int
    private let clock: @Sendable () -> Double

    /// The hour's calls. `ts` is the indexed column; the range keeps the plan on `calls_ts`.
    static let sql = """
        SELECT agent, variant, ts, success, error IS NOT NULL, fallback, latency_ms, cost_usd,
               ifnull(input_tokens, 0) + ifnull(output_tokens, 0), ifnull(input_tokens, 0),
               ifnull(cached_input_tokens, 0), CASE WHEN stream = 1 THEN ttft_ms END
        FROM calls WHERE ts > ?1 AND ts <= ?2
        """

    /// The last 24 hours' spend, for the budget tile: one indexed range sum.
    static let spendSQL = "SELECT ifnull(sum(cost_usd), 0) FROM calls WHERE ts > ?1 AND ts <= ?2"

    struct Statements {
        var calls: SQLiteStatement
        var spend: SQLiteStatement
    }

    private let database: ReadOnlyDatabase<Statements, StatusPageData>

    package init(path: String, agentHealth: AgentHealthProbe? = nil, cacheSeconds: Double = 3,
                bucketSeconds: Double = 60, bucketCount: Int = 60, recentBuckets: Int = 5, maximumArms: Int = 200,
                clock: @escaping @Sendable () -> Double = { WallClock.now() }) {
        self.path = path
        self.agentHealth = agentHealth
        self.cacheSeconds = cacheSeconds
        self.bucketSeconds = bucketSeconds
        self.bucketCount = bucketCount
        self.recentBuckets = recentBuckets
        self.maximumArms = maximumArms
        self.clock = clock
        self.database = ReadOnlyDatabase(path: path, cacheSeconds: cacheSeconds, queueLabel: "model-exporter.status-page") {
            connection throws(SQLiteError) in
            Statements(calls: try connection.prepare(Self.sql), spend: try connection.prepare(Self.spendSQL))
        }
    }

    /// ``page(now:)`` on the source's own queue; a fresh cached page answers at once.
    package func page() async -> Result<StatusPageData, StatusPageError> {
        let now = clock()
        if let page = database.fresh(now: now) { return .success(page) }
        do throws(StatusPageError) {
            return .success(try await database.onQueue { () throws(StatusPageError) in try self.page(now: now) })
        } catch {
            return .failure(error)
        }
    }

    /// The page as of `now` (or a cached one at most `cacheSeconds` old). Synchronous: for
    /// tests and the queue above.
    package func page(now: Double) throws(StatusPageError) -> StatusPageData {
        do throws(SQLiteError) {
            return try database.value(now: now) { statements, now throws(SQLiteError) in try read(statements, now: now) }
        } catch {
            throw StatusPageError(underlying: error)
        }
    }

    private func read(_ statements: Statements, now: Double) throws(SQLiteError) -> StatusPageData {
        let calls = statements.calls
        var tally = StatusPageData.Tally(now: now, bucketSeconds: bucketSeconds, bucketCount: bucketCount,
                                         recentBuckets: recentBuckets, maximumArms: maximumArms)
        do {
            defer { calls.reset() }
            calls.bind(1, tally.start)
            calls.bind(2, now)
            while try calls.step() {
                tally.add(agent: calls.string(0) ?? "", variant: calls.string(1) ?? "", ts: calls.double(2),
                          success: calls.int64(3) != 0, error: calls.int64(4) != 0, fallback: calls.int64(5) != 0,
                          latencyMs: calls.double(6), costUSD: calls.double(7), tokens: Int(calls.int64(8)),
                          signals: .init(inputTokens: Int(calls.int64(9)), cachedInputTokens: Int(calls.int64(10)),
                                         ttftMs: calls.isNull(11) ? nil : calls.double(11)))
            }
        }
        var costLastDay = 0.0
        do {
            let spend = statements.spend
            defer { spend.reset() }
            spend.bind(1, now - 86400)
            spend.bind(2, now)
            if try spend.step() { costLastDay = spend.double(0) }
        }
        // The probe's own failure is shown on the page, not thrown: the figures are still good.
        var health: [String: AgentHealth] = [:]
        var healthError: String?
        if let agentHealth {
            do throws(AgentHealthError) {
                for agent in try agentHealth.overview(now: now).agents { health[agent.agent] = agent }
                for arm in tally.arms where health[arm.key.agent] == nil {
                    if let state = try agentHealth.health(of: arm.key.agent, now: now) { health[arm.key.agent] = state }
                }
            } catch {
                healthError = error.description
            }
        }
        var data = tally.data(health: health, healthError: healthError, thresholds: agentHealth?.thresholds ?? AgentHealth.Thresholds())
        data.costLastDay = costLastDay
        return data
    }
}
