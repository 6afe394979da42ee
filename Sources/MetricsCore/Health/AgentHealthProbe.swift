/// An error reading agent health, with the database path and what to check.
package struct AgentHealthError: Error, CustomStringConvertible, Sendable {
    package var underlying: SQLiteError

    package var description: String {
        "cannot read agent health from \(underlying.path) (does the database exist, and has serve created its tables?): \(underlying.message)"
    }
}

/// Reads agents' recent health from the database for the HTTP side, cheaply enough to be
/// polled every few seconds by any number of clients while ingest writes.
///
/// - One pass answers for every agent: the calls of the window (`calls_ts` range; `calls` has
///   no agent index) grouped by agent in Swift, plus the agent names of `series`. The result
///   is kept for `cacheSeconds` (1 s), so `/health` and `/health/{agent}` for every agent,
///   polled by dashboards and load balancers together, cost at most one scan of the last five
///   minutes per second. The p95 is taken from the window's latencies, sorted per agent.
/// - Its own read-only connection, opened on first use (the database may not exist yet when
///   the server starts) and dropped after any error so that the next request reopens it. In
///   WAL mode a reader never blocks the writer, and each statement is reset as soon as it is
///   read, so no read transaction lingers to hold back WAL checkpoints.
/// - A connection belongs to one thread at a time: it lives in a `Mutex`, and requests that
///   find the result stale take turns; the first refreshes it and the others reuse it. The
///   cached result has its own lock, so a fresh answer never waits behind a query.
/// - The async methods run the query on a dedicated dispatch queue, never on the caller's
///   thread (an event loop must not block on SQLite).
///
/// An agent is known when it has a row in `series` (which includes the agents declared with
/// `--metrics.known-agents`) or calls in the window; any other name is unknown (nil). Checking
/// all of `calls` for a name would scan the table, and a client asking for random names would
/// make every request do that; an agent folded into the `other` series by the label bound and
/// silent for five minutes is therefore unknown too. `/health` lists the agents of `series`,
/// which the label bound keeps finite, leaving out the `other` series itself.
package final class AgentHealthProbe: Sendable {
    package let path: String
    /// Seconds of history that make up the state.
    package let window: Double
    package let cacheSeconds: Double
    package let thresholds: AgentHealth.Thresholds
    private let clock: @Sendable () -> Double

    /// Every agent's health at one moment.
    private struct Reading: Sendable {
        var at: Double
        /// Agents with calls in the window.
        var active: [String: AgentHealth]
        /// Agents of `series`, sorted.
        var series: [String]
    }

    private struct Statements {
        var windowRows: SQLiteStatement
        var seriesAgents: SQLiteStatement
    }

    private let database: ReadOnlyDatabase<Statements, Reading>

    package init(path: String, window: Double = 300, cacheSeconds: Double = 1,
                thresholds: AgentHealth.Thresholds = AgentHealth.Thresholds(),
                clock: @escaping @Sendable () -> Double = { WallClock.now() }) {
        self.path = path
        self.window = window
        self.cacheSeconds = cacheSeconds
        self.thresholds = thresholds
        self.clock = clock
        self.database = ReadOnlyDatabase(path: path, cacheSeconds: cacheSeconds, queueLabel: "model-exporter.agent-health") {
            connection throws(SQLiteError) in
            Statements(
                windowRows: try connection.prepare("""
                    SELECT agent, success, error IS NOT NULL, fallback, latency_ms
                    FROM calls WHERE ts > ?1 AND ts <= ?2
                    """),
                seriesAgents: try connection.prepare("""
                    SELECT DISTINCT agent FROM series WHERE NOT (agent = ?1 AND model = ?2 AND variant = ?3) ORDER BY agent
                    """))
        }
    }

    // MARK: Off the caller's thread

    /// ``health(of:now:)`` with any query on the probe's own queue; a fresh reading answers at once.
    package func health(of agent: String) async throws(AgentHealthError) -> AgentHealth? {
        let now = clock()
        if let reading = database.fresh(now: now) { return answer(agent, from: reading) }
        return try await database.onQueue { () throws(AgentHealthError) in try self.health(of: agent, now: now) }
    }

    /// ``overview(now:)`` with any query on the probe's own queue.
    package func overview() async throws(AgentHealthError) -> AgentHealthOverview {
        let now = clock()
        if let reading = database.fresh(now: now) { return overview(from: reading) }
        return try await database.onQueue { () throws(AgentHealthError) in try self.overview(now: now) }
    }

    // MARK: Synchronous (tests, and the queue above)

    /// The agent's health over (now − window, now]; nil for an unknown agent.
    package func health(of agent: String, now: Double) throws(AgentHealthError) -> AgentHealth? {
        answer(agent, from: try reading(now: now))
    }

    /// Every agent of the `series` table, by name.
    package func overview(now: Double) throws(AgentHealthError) -> AgentHealthOverview {
        overview(from: try reading(now: now))
    }

    private func answer(_ agent: String, from reading: Reading) -> AgentHealth? {
        if let health = reading.active[agent] { return health }
        guard reading.series.contains(agent) else { return nil }
        return idle(agent, at: reading.at)
    }

    private func overview(from reading: Reading) -> AgentHealthOverview {
        AgentHealthOverview(agents: reading.series.map { reading.active[$0] ?? idle($0, at: reading.at) })
    }

    private func idle(_ agent: String, at now: Double) -> AgentHealth {
        AgentHealth(agent: agent, requests: 0, successes: 0, errors: 0, fallbacks: 0, p95Seconds: nil,
                    windowStart: now - window, windowEnd: now, thresholds: thresholds)
    }

    /// A fresh reading: the cached one, else one read now.
    private func reading(now: Double) throws(AgentHealthError) -> Reading {
        do throws(SQLiteError) {
            return try database.value(now: now) { statements, now throws(SQLiteError) in try read(statements, now: now) }
        } catch {
            throw AgentHealthError(underlying: error)
        }
    }

    private func read(_ statements: Statements, now: Double) throws(SQLiteError) -> Reading {
        let rows = statements.windowRows, seriesAgents = statements.seriesAgents

        struct Tally {
            var successes = 0, errors = 0, fallbacks = 0
            var latencies: [Double] = []
        }
        var tallies: [String: Tally] = [:]
        let start = now - window
        do {
            defer { rows.reset() }
            rows.bind(1, start)
            rows.bind(2, now)
            while try rows.step() {
                let agent = rows.string(0) ?? ""
                tallies[agent, default: Tally()].successes += Int(rows.int64(1))
                tallies[agent, default: Tally()].errors += Int(rows.int64(2))
                tallies[agent, default: Tally()].fallbacks += Int(rows.int64(3))
                tallies[agent, default: Tally()].latencies.append(rows.double(4))
            }
        }
        var series: [String] = []
        do {
            defer { seriesAgents.reset() }
            seriesAgents.bind(1, SeriesKey.overflow.agent)
            seriesAgents.bind(2, SeriesKey.overflow.model)
            seriesAgents.bind(3, SeriesKey.overflow.variant)
            while try seriesAgents.step() {
                if let name = seriesAgents.string(0) { series.append(name) }
            }
        }
        var active: [String: AgentHealth] = [:]
        for (agent, var tally) in tallies {
            tally.latencies.sort()
            active[agent] = AgentHealth(
                agent: agent, requests: tally.latencies.count, successes: tally.successes, errors: tally.errors,
                fallbacks: tally.fallbacks, p95Seconds: LatencySample.nearestRank(tally.latencies, 0.95).map { $0 / 1000 },
                windowStart: start, windowEnd: now, thresholds: thresholds)
        }
        return Reading(at: now, active: active, series: series)
    }
}
