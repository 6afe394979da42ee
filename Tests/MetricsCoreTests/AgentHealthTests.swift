import Foundation
import Logging
import Testing
@testable import MetricsCore

/// Agent health from a real SQLite file with planted rows, without HTTP: each state, the
/// thresholds' edges, the window, the cache, and an unknown agent.
@Suite struct AgentHealthTests {
    static let now = 1_764_000_000.0

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

        /// `count` calls spread over the 60 s before `at`; the first `errors` failed their first
        /// attempt (rescued by the fallback unless `failures` says they were not), the next
        /// `unanswered` have no error but no answer either, the last `slow` took `slowMs`.
        func plant(_ agent: String, count: Int, errors: Int = 0, failures: Int = 0, unanswered: Int = 0,
                   latencyMs: Double = 400, slow: Int = 0, slowMs: Double = 8000, at: Double = AgentHealthTests.now) throws {
            let insert = try writer.prepare("""
                INSERT INTO calls (ts, agent, model, variant, success, fallback, error, latency_ms, cost_usd, source_id, source_offset)
                VALUES (?1, ?2, 'm', 'finetuned', ?3, ?4, ?5, ?6, 0.001, 1, 0)
                """)
            try writer.execute("BEGIN")
            for i in 0..<count {
                let failed = i < errors
                insert.bind(1, at - 60 + 60 * Double(i) / Double(count))
                insert.bind(2, agent)
                insert.bind(3, !(i < failures || (i >= errors && i < errors + unanswered)))
                insert.bind(4, failed)
                insert.bind(5, failed ? "timeout" : nil)
                insert.bind(6, i >= count - slow ? slowMs : latencyMs)
                try insert.run()
            }
            try writer.execute("COMMIT")
        }

        /// A row in `series`, as a declared known agent has before its first request.
        func declare(_ agent: String, model: String = "", variant: String = "") throws {
            let insert = try writer.prepare("""
                INSERT INTO series (agent, model, variant, requests_success, requests_error, cost_usd, input_tokens,
                                    output_tokens, latency_sum_seconds, latency_buckets, last_ts)
                VALUES (?1, ?2, ?3, 0, 0, 0, 0, 0, 0, '', 0)
                """)
            insert.bind(1, agent)
            insert.bind(2, model)
            insert.bind(3, variant)
            try insert.run()
        }

        func probe(cacheSeconds: Double = 0) -> AgentHealthProbe {
            AgentHealthProbe(path: path, cacheSeconds: cacheSeconds, clock: { AgentHealthTests.now })
        }
    }

    @Test func healthyAgentIsOK() throws {
        let db = try Database()
        try db.plant("qa_agent", count: 200, errors: 4, latencyMs: 600)
        let health = try #require(try db.probe().health(of: "qa_agent", now: Self.now))
        #expect(health.state == .ok)
        #expect(health.reasons.isEmpty)
        #expect(health.requests == 200 && health.errors == 4 && health.fallbacks == 4 && health.successes == 200)
        #expect(health.errorRate == 0.02 && health.successRate == 1 && health.fallbackRate == 0.02)
        #expect(health.p95Seconds == 0.6)
        #expect(health.windowSeconds == 300 && health.windowEnd == Self.now)
    }

    @Test func p95AboveFiveSecondsIsSlow() throws {
        let db = try Database()
        // 10 of 100 calls take 8 s: the 95th value is one of them.
        try db.plant("qa_agent", count: 100, slow: 10)
        let health = try #require(try db.probe().health(of: "qa_agent", now: Self.now))
        #expect(health.state == .slow)
        #expect(health.p95Seconds == 8)
        #expect(health.reasons == ["p95 latency 8.0 s is above 5.0 s"])
    }

    @Test func p95OfExactlyFiveSecondsIsNotSlow() throws {
        let db = try Database()
        try db.plant("qa_agent", count: 100, slow: 10, slowMs: 5000)
        #expect(try db.probe().health(of: "qa_agent", now: Self.now)?.state == .ok)
    }

    @Test func firstAttemptErrorsAboveFivePercentAreAnErrorEvenWhenRescued() throws {
        let db = try Database()
        // 6% of first attempts fail; every one is rescued, so the success rate is 100%.
        try db.plant("qa_agent", count: 100, errors: 6)
        let health = try #require(try db.probe().health(of: "qa_agent", now: Self.now))
        #expect(health.state == .error)
        #expect(health.successRate == 1)
        #expect(health.reasons == ["first-attempt error rate 6.0% is above 5.0%"])
    }

    @Test func exactlyFivePercentErrorsIsOK() throws {
        let db = try Database()
        try db.plant("qa_agent", count: 100, errors: 5)
        #expect(try db.probe().health(of: "qa_agent", now: Self.now)?.state == .ok)
    }

    @Test func successBelowNinetyPercentIsAnError() throws {
        let db = try Database()
        // 2% first-attempt errors (under the threshold) but 11 more calls got no answer.
        try db.plant("qa_agent", count: 100, errors: 2, failures: 2, unanswered: 11)
        let health = try #require(try db.probe().health(of: "qa_agent", now: Self.now))
        #expect(health.state == .error)
        #expect(health.successRate == 0.87)
        #expect(health.reasons == ["success rate 87.0% is below 90.0%"])
    }

    @Test func errorWinsOverSlow() throws {
        let db = try Database()
        try db.plant("qa_agent", count: 100, errors: 10, slow: 10)
        let health = try #require(try db.probe().health(of: "qa_agent", now: Self.now))
        #expect(health.state == .error)
        #expect(health.reasons.count == 2)
    }

    @Test func aKnownAgentWithoutRecentCallsIsIdle() throws {
        let db = try Database()
        try db.declare("legal_agent")
        try db.declare("qa_agent", model: "m", variant: "finetuned")
        // Calls ten minutes ago are outside the five-minute window.
        try db.plant("qa_agent", count: 50, errors: 50, at: Self.now - 600)
        for agent in ["legal_agent", "qa_agent"] {
            let health = try #require(try db.probe().health(of: agent, now: Self.now))
            #expect(health.state == .idle, "\(agent)")
            #expect(health.requests == 0 && health.successRate == nil && health.p95Seconds == nil)
        }
    }

    @Test func theWindowIsTheLastFiveMinutes() throws {
        let db = try Database()
        try db.plant("qa_agent", count: 100, at: Self.now)                  // (now − 60, now]
        try db.plant("qa_agent", count: 100, errors: 100, at: Self.now - 301)  // ends 301 s ago
        try db.plant("qa_agent", count: 100, errors: 100, at: Self.now + 120)  // the future: not yet
        let health = try #require(try db.probe().health(of: "qa_agent", now: Self.now))
        #expect(health.requests == 100 && health.state == .ok)
    }

    @Test func anAgentNeverSeenIsUnknown() throws {
        let db = try Database()
        try db.plant("qa_agent", count: 10)
        #expect(try db.probe().health(of: "qa_agnet", now: Self.now) == nil)
        #expect(try db.probe().health(of: "qa_agent' OR '1'='1", now: Self.now) == nil)
        #expect(try db.probe().health(of: "qa_agent", now: Self.now) != nil)
    }

    @Test func anAgentWithOnlyOldCallsAndNoSeriesIsUnknown() throws {
        // Only an agent folded into `other` by the label bound can be like this: finding its
        // old calls would take a scan of all of `calls` (there is no agent index), on any name
        // a client cares to ask for.
        let db = try Database()
        try db.plant("folded_agent", count: 10, at: Self.now - 600)
        #expect(try db.probe().health(of: "folded_agent", now: Self.now) == nil)
    }

    @Test func resultsAreCachedForTheCacheTime() throws {
        let db = try Database()
        try db.plant("qa_agent", count: 100)
        let probe = db.probe(cacheSeconds: 1)
        #expect(try probe.health(of: "qa_agent", now: Self.now)?.requests == 100)
        try db.plant("qa_agent", count: 100, errors: 100, at: Self.now)
        #expect(try probe.health(of: "qa_agent", now: Self.now + 0.5)?.requests == 100, "a fresh entry is served from the cache")
        let later = try #require(try probe.health(of: "qa_agent", now: Self.now + 1))
        #expect(later.requests == 200 && later.state == .error)
        // Unknown agents are cached too, until they appear.
        #expect(try probe.health(of: "new_agent", now: Self.now + 1) == nil)
        try db.plant("new_agent", count: 5, at: Self.now + 1)
        #expect(try probe.health(of: "new_agent", now: Self.now + 1.5) == nil)
        #expect(try probe.health(of: "new_agent", now: Self.now + 2)?.requests == 5)
    }

    @Test func overviewListsSeriesAgentsAndIsDegradedByErrorOrSlow() throws {
        let db = try Database()
        for agent in ["qa_agent", "legal_agent", "content_agent"] { try db.declare(agent, model: "m", variant: "finetuned") }
        try db.declare("other", model: "other", variant: "other")  // the folded overflow: not an agent
        try db.plant("qa_agent", count: 100)
        let probe = db.probe()
        let calm = try probe.overview(now: Self.now)
        #expect(calm.agents.map(\.agent) == ["content_agent", "legal_agent", "qa_agent"])
        #expect(calm.agents.map(\.state) == [.idle, .idle, .ok])
        #expect(calm.status == .healthy)
        try db.plant("legal_agent", count: 100, slow: 20)
        let slow = try probe.overview(now: Self.now)
        #expect(slow.agents.map(\.state) == [.idle, .slow, .ok])
        #expect(slow.status == .degraded)
    }

    @Test func aMissingDatabaseIsAnErrorUntilItAppears() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("calls.sqlite")
        let probe = AgentHealthProbe(path: path, cacheSeconds: 0, clock: { AgentHealthTests.now })
        #expect(throws: AgentHealthError.self) { try probe.health(of: "qa_agent", now: Self.now) }
        #expect(!FileManager.default.fileExists(atPath: path), "a read-only probe must not create the database")
        _ = try CallStore(path: path, buckets: .default, logger: Logger(label: "test"))
        #expect(try probe.health(of: "qa_agent", now: Self.now) == nil)
    }

    @Test func theAsyncPathAnswersLikeTheSynchronousOne() async throws {
        let db = try Database()
        try db.plant("qa_agent", count: 100, errors: 10)
        let probe = db.probe(cacheSeconds: 1)
        let health = try await probe.health(of: "qa_agent")
        #expect(health?.state == .error)
        let overview = try await probe.overview()
        #expect(overview.agents.isEmpty)  // no series rows planted
        #expect(try await probe.health(of: "nobody") == nil)
    }

    @Test func classificationFollowsTheThresholds() {
        func state(_ requests: Int, successes: Int, errors: Int, p95: Double?) -> AgentHealth.State {
            AgentHealth(agent: "a", requests: requests, successes: successes, errors: errors, fallbacks: 0, p95Seconds: p95,
                        windowStart: 0, windowEnd: 300).state
        }
        #expect(state(0, successes: 0, errors: 0, p95: nil) == .idle)
        #expect(state(1000, successes: 1000, errors: 50, p95: 5) == .ok)
        #expect(state(1000, successes: 1000, errors: 51, p95: 1) == .error)
        #expect(state(1000, successes: 900, errors: 0, p95: 1) == .ok)
        #expect(state(1000, successes: 899, errors: 0, p95: 1) == .error)
        #expect(state(1000, successes: 1000, errors: 0, p95: 5.001) == .slow)
    }
}
