import Foundation
import Logging
import Testing
@testable import MetricsCore

/// The status page's data from a real SQLite file with planted rows, without HTTP: minute
/// buckets and their edges, the recent figures (rates, exact P95, cost per hour), agents'
/// states from the health probe, the bound on arms, the cache, and reading beside a writer.
@Suite struct StatusPageDataTests {
    static let now = 1_764_000_000.0

    /// One planted call; defaults are a healthy answer.
    struct Call {
        var ts: Double
        var agent = "qa_agent"
        var variant = "finetuned"
        var success = true
        var fallback = false
        var error: String?
        var latencyMs = 400.0
        var costUSD = 0.0
        var inputTokens: Int64? = 100
        var outputTokens: Int64? = 20
        var stream: Bool?
        var ttftMs: Double?
        var cachedInputTokens: Int64?
    }

    /// A fresh database with the exporter's schema and a writable connection to plant rows.
    final class Database {
        let directory = TemporaryDirectory()
        let path: String
        let writer: SQLiteConnection

        init() throws {
            path = directory.file("calls.sqlite")
            _ = try CallStore(path: path, buckets: .default, logger: Logger(label: "test"))
            writer = try SQLiteConnection(path: path)
            try writer.execute("""
                INSERT INTO sources (id, path, device, inode, fingerprint, read_offset, state, first_seen, updated_at)
                VALUES (1, 'calls.jsonl', 1, 1, x'', 0, 'active', 0, 0)
                """)
        }

        func plant(_ calls: [Call], transaction: Bool = true) throws {
            let insert = try writer.prepare("""
                INSERT INTO calls (ts, agent, model, variant, success, fallback, error, latency_ms, cost_usd,
                                   input_tokens, output_tokens, source_id, source_offset, stream, ttft_ms, cached_input_tokens)
                VALUES (?1, ?2, 'm', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, 0, ?11, ?12, ?13)
                """)
            if transaction { try writer.execute("BEGIN") }
            for call in calls {
                insert.bind(1, call.ts)
                insert.bind(2, call.agent)
                insert.bind(3, call.variant)
                insert.bind(4, call.success)
                insert.bind(5, call.fallback)
                insert.bind(6, call.error)
                insert.bind(7, call.latencyMs)
                insert.bind(8, call.costUSD)
                insert.bind(9, call.inputTokens)
                insert.bind(10, call.outputTokens)
                insert.bind(11, call.stream)
                insert.bind(12, call.ttftMs)
                insert.bind(13, call.cachedInputTokens)
                try insert.run()
            }
            if transaction { try writer.execute("COMMIT") }
        }

        /// A row in `series`, as a declared known agent has before its first request.
        func declare(_ agent: String) throws {
            let insert = try writer.prepare("""
                INSERT INTO series (agent, model, variant, requests_success, requests_error, cost_usd, input_tokens,
                                    output_tokens, latency_sum_seconds, latency_buckets, last_ts)
                VALUES (?1, 'm', 'finetuned', 0, 0, 0, 0, 0, 0, '', 0)
                """)
            insert.bind(1, agent)
            try insert.run()
        }

        func source(cacheSeconds: Double = 0, maximumArms: Int = 200, withHealth: Bool = true) -> StatusPageSource {
            let probe = withHealth ? AgentHealthProbe(path: path, cacheSeconds: 0, clock: { StatusPageDataTests.now }) : nil
            return StatusPageSource(path: path, agentHealth: probe, cacheSeconds: cacheSeconds, maximumArms: maximumArms,
                                    clock: { StatusPageDataTests.now })
        }
    }

    /// `count` calls evenly spread over (end − seconds, end], the last one at `end`.
    static func spread(_ count: Int, over seconds: Double, endingAt end: Double = now,
                       _ make: (Int, Double) -> Call = { _, ts in Call(ts: ts) }) -> [Call] {
        (0..<count).map { i in make(i, end - seconds + seconds * Double(i + 1) / Double(count)) }
    }

    @Test func bucketsAreWholeMinutesEndingNowAndTheHourIsHalfOpen() throws {
        let db = try Database()
        let start = Self.now - 3600
        try db.plant([
            Call(ts: start),             // (start, now]: not in the hour
            Call(ts: start + 0.001),     // bucket 0
            Call(ts: start + 60),        // bucket 0: a bucket includes its end
            Call(ts: start + 60.001),    // bucket 1
            Call(ts: Self.now - 60),     // bucket 58
            Call(ts: Self.now),          // bucket 59
            Call(ts: Self.now + 1),      // the future: not yet
        ])
        let arm = try #require(try db.source().page(now: Self.now).arm("qa_agent", "finetuned"))
        #expect(arm.minutes.count == 60)
        #expect(arm.minutes.map(\.requests) == [2, 1] + Array(repeating: 0, count: 56) + [1, 1])
        #expect(arm.hour.requests == 5)
        #expect(arm.recent.requests == 2)
        #expect(arm.lastCall == Self.now)
    }

    @Test func perMinuteCountsRatesAndP95() throws {
        let db = try Database()
        // Minute 59 (the newest): 20 calls, latencies 100, 200, ..., 2000 ms; 3 first-attempt
        // errors, 2 of them rescued by the fallback.
        try db.plant(Self.spread(20, over: 60) { i, ts in
            Call(ts: ts, success: i != 0, fallback: i == 1 || i == 2, error: i < 3 ? "timeout" : nil,
                 latencyMs: Double(i + 1) * 100, costUSD: 0.25)
        })
        // Minute 57: 4 calls.
        try db.plant(Self.spread(4, over: 60, endingAt: Self.now - 120) { i, ts in Call(ts: ts, latencyMs: Double(i) * 1000 + 10) })
        let arm = try #require(try db.source().page(now: Self.now).arm("qa_agent", "finetuned"))
        let newest = arm.minutes[59]
        #expect(newest.requests == 20 && newest.successes == 19 && newest.errors == 3 && newest.fallbacks == 2)
        #expect(newest.successRate == 0.95 && newest.errorRate == 0.15 && newest.fallbackRate == 0.1)
        #expect(newest.costUSD == 5)
        #expect(newest.tokens == 20 * 120)
        // Nearest rank: ceil(0.95 · 20) = 19th of 20.
        #expect(newest.p95Seconds == 1.9)
        #expect(arm.minutes[57].requests == 4)
        #expect(arm.minutes[57].p95Seconds == 3.01)  // ceil(0.95 · 4) = 4th of 4
        let quiet = arm.minutes[58]
        #expect(quiet.requests == 0 && quiet.p95Seconds == nil && quiet.successRate == nil && quiet.errorRate == nil)
    }

    /// TTFT P95 over streamed calls only (a ttft_ms on a call not marked streamed is not
    /// counted, as in the histogram), the prompt-cache share of input tokens, and the last 24
    /// hours' spend for the budget tile.
    @Test func streamingFiguresAndTheDaysSpend() throws {
        let db = try Database()
        // 20 streamed calls in the recent window, first tokens at 100, 200, ..., 2000 ms.
        try db.plant(Self.spread(20, over: 300) { i, ts in
            Call(ts: ts, costUSD: 0.5, inputTokens: 1000, stream: true, ttftMs: Double(i + 1) * 100, cachedInputTokens: 250)
        })
        // Not streamed, with a ttft_ms anyway, and no cached tokens: out of the TTFT figures.
        try db.plant(Self.spread(5, over: 300) { _, ts in Call(ts: ts, costUSD: 0.5, inputTokens: 1000, ttftMs: 99_000) })
        // Outside the hour but inside the day: only the day's spend sees it; older: nothing does.
        try db.plant([Call(ts: Self.now - 7200, costUSD: 10), Call(ts: Self.now - 86_400, costUSD: 1000)])
        let page = try db.source().page(now: Self.now)
        let recent = try #require(page.arm("qa_agent", "finetuned")).recent
        #expect(recent.ttftP95Seconds == 1.9)  // ceil(0.95 · 20) = 19th of 20
        #expect(recent.inputTokens == 25_000 && recent.cachedInputTokens == 5000)
        #expect(recent.cachedInputShare == 0.2)
        #expect(page.gatewayRecent.ttftP95Seconds == 1.9)
        #expect(page.costLastDay == 22.5)
    }

    @Test func recentFiguresCoverTheLastFiveMinutesExactly() throws {
        let db = try Database()
        // 100 calls in (now − 300, now]: 7 first-attempt errors, 5 rescued by the fallback;
        // latencies 10, 20, ..., 1000 ms; $1/64 each (exact in binary, so sums are exact).
        try db.plant(Self.spread(100, over: 300) { i, ts in
            Call(ts: ts, success: !(i == 0 || i == 1), fallback: (2..<7).contains(i), error: i < 7 ? "server_error" : nil,
                 latencyMs: Double(i + 1) * 10, costUSD: 1.0 / 64, inputTokens: 50, outputTokens: nil)
        })
        // 10 minutes ago: in the hour, not in the recent window.
        try db.plant(Self.spread(50, over: 60, endingAt: Self.now - 600) { _, ts in
            Call(ts: ts, success: false, error: "timeout", latencyMs: 30_000, costUSD: 0.5)
        })
        let page = try db.source().page(now: Self.now)
        let arm = try #require(page.arm("qa_agent", "finetuned"))
        let recent = arm.recent
        #expect(recent.seconds == 300)
        #expect(recent.requests == 100 && recent.requestsPerMinute == 20)
        #expect(recent.successRate == 0.98 && recent.errorRate == 0.07 && recent.fallbackRate == 0.05)
        #expect(recent.p95Seconds == 0.95)  // the 95th of 100
        #expect(recent.costUSD == 100.0 / 64)
        #expect(recent.costPerHour == 18.75)  // $1.5625 in 5 minutes
        #expect(recent.tokens == 5000 && recent.tokensPerMinute == 1000)  // a NULL token count adds nothing

        let hour = arm.hour
        #expect(hour.seconds == 3600 && hour.requests == 150)
        #expect(hour.costUSD == 100.0 / 64 + 25)
        #expect(hour.costPerHour == hour.costUSD)  // over an hour, the spend is the rate per hour
        #expect(hour.p95Seconds == 30)

        #expect(page.gatewayRecent.requests == 100 && page.gatewayRecent.costPerHour == 18.75)
        #expect(page.gateway.map(\.requests).reduce(0, +) == 150)
    }

    @Test func armsAreSeparatedByAgentAndVariantAndSortedByName() throws {
        let db = try Database()
        try db.plant(Self.spread(10, over: 60) { i, ts in
            Call(ts: ts, agent: i % 2 == 0 ? "qa_agent" : "legal_agent", variant: i % 5 == 0 ? "baseline" : "finetuned")
        })
        let page = try db.source().page(now: Self.now)
        #expect(page.agents.map(\.name) == ["legal_agent", "qa_agent"])
        #expect(page.agents.map { $0.arms.map(\.variant) } == [["baseline", "finetuned"], ["baseline", "finetuned"]])
        #expect(page.arms.map(\.hour.requests) == [1, 4, 1, 4])
    }

    @Test func statesAreThoseOfTheHealthProbe() throws {
        let db = try Database()
        try db.declare("legal_agent")  // known, no calls: IDLE, listed without arms
        // qa_agent: 10% first-attempt errors, rescued; ERROR although every call succeeded.
        try db.plant(Self.spread(100, over: 240) { i, ts in
            Call(ts: ts, fallback: i < 10, error: i < 10 ? "rate_limited" : nil, latencyMs: 500)
        })
        // content_agent: slow on one arm only; the state is the agent's.
        try db.plant(Self.spread(40, over: 240) { i, ts in
            Call(ts: ts, agent: "content_agent", variant: i % 2 == 0 ? "baseline" : "finetuned",
                 latencyMs: i % 2 == 0 ? 9000 : 400)
        })
        let page = try db.source().page(now: Self.now)
        let probe = AgentHealthProbe(path: db.path, cacheSeconds: 0)
        #expect(page.agents.map(\.name) == ["content_agent", "legal_agent", "qa_agent"])
        for agent in page.agents {
            #expect(agent.health == (try probe.health(of: agent.name, now: Self.now)), "\(agent.name)")
        }
        #expect(page.agent("qa_agent")?.health.state == .error)
        #expect(page.agent("qa_agent")?.health.reasons == ["first-attempt error rate 10.0% is above 5.0%"])
        #expect(page.agent("content_agent")?.health.state == .slow)
        #expect(page.agent("legal_agent")?.health.state == .idle)
        #expect(page.agent("legal_agent")?.arms.isEmpty == true)
        #expect(page.healthError == nil)
    }

    @Test func withoutAProbeStatesFollowTheSameRule() throws {
        let db = try Database()
        try db.plant(Self.spread(100, over: 240) { i, ts in Call(ts: ts, success: i >= 11) })
        try db.plant(Self.spread(10, over: 60, endingAt: Self.now - 1200) { _, ts in Call(ts: ts, agent: "old_agent") })
        let page = try db.source(withHealth: false).page(now: Self.now)
        #expect(page.agent("qa_agent")?.health.state == .error)
        #expect(page.agent("qa_agent")?.health.reasons == ["success rate 89.0% is below 90.0%"])
        #expect(page.agent("old_agent")?.health.state == .idle)
        #expect(page.agent("old_agent")?.arms.first?.hour.requests == 10)
    }

    @Test func armsPastTheBoundAreCountedButNotShown() throws {
        let db = try Database()
        try db.plant((0..<30).map { i in Call(ts: Self.now - 30 + Double(i), agent: "agent-\(i % 6)", costUSD: 1) })
        let page = try db.source(maximumArms: 4).page(now: Self.now)
        #expect(page.arms.count == 4)
        #expect(page.omittedArms == 2 && page.omittedCalls == 10)
        #expect(page.arms.map(\.hour.requests).reduce(0, +) == 20)
        #expect(page.gatewayRecent.requests == 30 && page.gatewayRecent.costUSD == 30)
    }

    @Test func aPageIsCachedForTheCacheTime() throws {
        let db = try Database()
        try db.plant(Self.spread(10, over: 60))
        let source = db.source(cacheSeconds: 3)
        #expect(try source.page(now: Self.now).gatewayRecent.requests == 10)
        try db.plant(Self.spread(10, over: 60))
        let cached = try source.page(now: Self.now + 2.9)
        #expect(cached.gatewayRecent.requests == 10 && cached.now == Self.now, "served from the cache")
        let fresh = try source.page(now: Self.now + 3)
        #expect(fresh.gatewayRecent.requests == 20 && fresh.now == Self.now + 3)
    }

    @Test func theQueryRunsOnTheTimestampIndex() throws {
        let db = try Database()
        let plan = try db.writer.prepare("EXPLAIN QUERY PLAN " + StatusPageSource.sql)
        var details: [String] = []
        while try plan.step() { details.append(plan.string(3) ?? "") }
        #expect(details.contains { $0.contains("USING INDEX calls_ts (ts>? AND ts<?)") }, "plan: \(details)")
    }

    @Test func readsBesideAnOpenWriteTransactionAndNeverHoldsTheWriterUp() throws {
        let db = try Database()
        try db.plant(Self.spread(10, over: 60))
        let source = db.source()
        // A batch being written: not committed yet, so not seen, and the read does not wait.
        try db.writer.execute("BEGIN IMMEDIATE")
        try db.plant(Self.spread(5, over: 60), transaction: false)
        #expect(try source.page(now: Self.now).gatewayRecent.requests == 10)
        try db.writer.execute("COMMIT")
        // The source's connection stays open between pages, and a writer still commits.
        try db.plant(Self.spread(5, over: 60))
        #expect(try source.page(now: Self.now + 1).gatewayRecent.requests == 20)
    }

    @Test func aMissingDatabaseIsAnErrorThatSaysWhereUntilItAppears() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("later.sqlite")
        let source = StatusPageSource(path: path, cacheSeconds: 0)
        let error = #expect(throws: StatusPageError.self) { try source.page(now: Self.now) }
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("has serve created its tables?") == true)
        _ = try CallStore(path: path, buckets: .default, logger: Logger(label: "test"))
        let page = try source.page(now: Self.now)
        #expect(page.agents.isEmpty && page.gatewayRecent.requests == 0)
    }

    @Test func anEmptyHourHasNoRatesAndNoPercentiles() throws {
        let db = try Database()
        let page = try db.source().page(now: Self.now)
        #expect(page.agents.isEmpty && page.omittedArms == 0)
        #expect(page.gateway.count == 60 && page.gateway.allSatisfy { $0.requests == 0 && $0.p95Seconds == nil })
        #expect(page.gatewayRecent.successRate == nil && page.gatewayRecent.p95Seconds == nil)
        #expect(page.gatewayRecent.requestsPerMinute == 0 && page.gatewayRecent.costPerHour == 0)
    }

    @Test(arguments: ["<script>alert(1)</script>", "a\"b'c&d", "agent/with/slashes", "ünïcödé 🤖", ""])
    func agentNamesFromTheLogComeBackVerbatim(name: String) throws {
        let db = try Database()
        try db.plant([Call(ts: Self.now - 10, agent: name, variant: name)])
        let page = try db.source().page(now: Self.now)
        #expect(page.agents.map(\.name) == [name])
        #expect(page.arms.map(\.variant) == [name])
    }
}
