// Over 400 lines on purpose: one planted log and its hand-worked answers serve every shipped
// query; split per query, each file would need the whole plant again.
import Foundation
import Logging
import Testing
@testable import MetricsCore

/// The shipped queries (`queries/*.sql`) run against a real database written by the ingest
/// pipeline from a planted call log, with the answers worked out by hand from the plant; the
/// compiled-in catalog equals the files byte for byte; every query reads `calls` through an
/// index when given a window.
@Suite struct ShippedQueryTests {
    // MARK: - The plant

    /// 2026-01-01T00:00:00Z, an hour boundary. The window of most tests is [t0, t0 + 2 h).
    static let t0 = 1_767_225_600.0
    static let window = ShippedQuery.Arguments(since: t0, until: t0 + 7200)
    static let finetuned = "ft:open-mistral-7b:qa"
    static let baseline = "open-mistral-7b"

    struct Call {
        var at: Double            // seconds after t0
        var id: String
        var agent: String
        var model: String
        var error: String? = nil
        var fallback = false
        var success = true
        var latency: Double
        /// Streamed, with this time to first token (nil: streamed without one).
        var streamedTTFT: Double?? = nil

        var variant: String { model == ShippedQueryTests.baseline ? "baseline" : "finetuned" }

        var line: String {
            let fallbackModel = fallback ? "\"\(ShippedQueryTests.baseline)\"" : "null"
            let errorText = error.map { "\"\($0)\"" } ?? "null"
            let streaming = streamedTTFT.map { ttft in #","stream":true"# + (ttft.map { #","ttft_ms":\#($0)"# } ?? "") } ?? ""
            return #"{"ts":\#(ShippedQueryTests.t0 + at),"request_id":"\#(id)","agent":"\#(agent)","model":"\#(model)","variant":"\#(variant)","success":\#(success),"fallback":\#(fallback),"fallback_model":\#(fallbackModel),"error":\#(errorText),"latency_ms":\#(latency),"cost_usd":0.01,"input_tokens":100,"output_tokens":\#(success ? 50 : 0)\#(streaming)}"#
        }
    }

    /// qa_agent's fine-tuned arm times out (two of three rescued by the fallback), its baseline
    /// has server errors; qa_agent sends nothing in minutes 3 and 4; legal_agent has a call in
    /// the second hour; two calls lie just outside the window (one second before, and at its
    /// exclusive end).
    static let calls: [Call] = [
        Call(at: 10, id: "q1", agent: "qa_agent", model: finetuned, latency: 500, streamedTTFT: 120),
        Call(at: 15, id: "q8", agent: "qa_agent", model: baseline, latency: 400),
        Call(at: 20, id: "q2", agent: "qa_agent", model: finetuned, latency: 600, streamedTTFT: 300),
        Call(at: 30, id: "l1", agent: "legal_agent", model: baseline, latency: 800, streamedTTFT: 250),
        Call(at: 70, id: "q3", agent: "qa_agent", model: finetuned, error: "timeout", fallback: true, latency: 31000),
        Call(at: 75, id: "q9", agent: "qa_agent", model: baseline, error: "server_error", success: false, latency: 900),
        Call(at: 80, id: "q4", agent: "qa_agent", model: finetuned, error: "timeout", fallback: true, success: false, latency: 45000),
        Call(at: 130, id: "q5", agent: "qa_agent", model: finetuned, error: "rate_limited", fallback: true, latency: 2000),
        Call(at: 135, id: "q10", agent: "qa_agent", model: baseline, latency: 450, streamedTTFT: .some(nil)),
        Call(at: 140, id: "q6", agent: "qa_agent", model: finetuned, latency: 700),
        Call(at: 310, id: "q7", agent: "qa_agent", model: finetuned, error: "timeout", fallback: true, latency: 32000),
        Call(at: 320, id: "q11", agent: "qa_agent", model: baseline, error: "server_error", success: false, latency: 950),
        Call(at: 3700, id: "l2", agent: "legal_agent", model: baseline, error: "timeout", success: false, latency: 30500),
        Call(at: 3710, id: "l3", agent: "legal_agent", model: baseline, latency: 300),
        Call(at: -1, id: "o1", agent: "qa_agent", model: finetuned, error: "timeout", success: false, latency: 99999, streamedTTFT: 9000),
        Call(at: 7200, id: "o2", agent: "qa_agent", model: finetuned, error: "timeout", success: false, latency: 88888),
    ]

    /// Quarantined: a comma and quotes (CSV quoting), and an escape sequence (table escaping).
    static let badLines = [
        #"{"ts":"yesterday","agent":"qa_agent"}"#,
        "not json \u{1b}[31mred\u{1b}[0m",
    ]

    /// A real database: the planted log ingested by `CallIngestor` into a `CallStore`.
    final class Fixture {
        let directory = TemporaryDirectory()
        let logPath: String
        let databasePath: String
        let store: CallStore
        /// Byte offset of each planted call's line, by request id.
        var offsets: [String: Int64] = [:]

        init() throws {
            logPath = directory.file("calls.jsonl")
            databasePath = directory.file("calls.sqlite")
            var text = ""
            for call in ShippedQueryTests.calls {
                offsets[call.id] = Int64(text.utf8.count)
                text += call.line + "\n"
            }
            for line in ShippedQueryTests.badLines { text += line + "\n" }
            _ = FileManager.default.createFile(atPath: logPath, contents: Data(text.utf8))
            store = try CallStore(path: databasePath, buckets: .default, logger: Logger(label: "test"))
            let ingestor = try CallIngestor(configuration: IngestConfiguration(calllogPath: logPath), store: store, logger: Logger(label: "test"))
            var caughtUp = false
            for _ in 0..<100 where !caughtUp {
                let outcome = ingestor.step()
                caughtUp = outcome.caughtUp && !outcome.failed
            }
            guard caughtUp else { throw FixtureError("the ingestor did not catch up with \(logPath)") }
        }

        /// A fresh read-only connection, as `model-exporter query` opens one.
        func reader() throws -> SQLiteConnection {
            try SQLiteConnection(path: databasePath, mode: .readOnly)
        }

        func run(_ name: String, _ arguments: ShippedQuery.Arguments = ShippedQueryTests.window) throws -> QueryResult {
            guard let query = ShippedQuery.named(name) else { throw FixtureError("no shipped query \(name)") }
            return try query.run(on: try reader(), with: arguments)
        }
    }

    struct FixtureError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    // MARK: - Reading results

    /// Rows as dictionaries by column name, for readable expectations.
    static func records(_ result: QueryResult) -> [[String: SQLiteValue]] {
        result.rows.map { row in
            Dictionary(uniqueKeysWithValues: zip(result.columns, row).map { ($0, $1) })
        }
    }

    static func column(_ result: QueryResult, _ name: String) -> [SQLiteValue] {
        guard let index = result.columns.firstIndex(of: name) else {
            Issue.record("no column \(name) in \(result.columns)")
            return []
        }
        return result.rows.map { $0[index] }
    }

    static func texts(_ result: QueryResult, _ name: String) -> [String] {
        column(result, name).map { if case .text(let text) = $0 { text } else { "\($0)" } }
    }

    static func integers(_ result: QueryResult, _ name: String) -> [Int64] {
        column(result, name).map { if case .integer(let number) = $0 { number } else { -1 } }
    }

    // MARK: - Each query's answers

    @Test func errorsByClassCountsFirstAttemptErrorsWithTheirShareOfTheRequests() throws {
        let fixture = try Fixture()
        let result = try fixture.run("errors-by-class")
        #expect(result.columns == ["agent", "model", "variant", "error_class", "errors", "requests", "share_pct", "first_seen", "last_seen"])
        #expect(result.rows == [
            [.text("qa_agent"), .text(Self.finetuned), .text("finetuned"), .text("timeout"), .integer(3), .integer(7), .real(42.86),
             .text("2026-01-01T00:01:10.000Z"), .text("2026-01-01T00:05:10.000Z")],
            [.text("qa_agent"), .text(Self.baseline), .text("baseline"), .text("server_error"), .integer(2), .integer(4), .real(50.0),
             .text("2026-01-01T00:01:15.000Z"), .text("2026-01-01T00:05:20.000Z")],
            [.text("legal_agent"), .text(Self.baseline), .text("baseline"), .text("timeout"), .integer(1), .integer(3), .real(33.33),
             .text("2026-01-01T01:01:40.000Z"), .text("2026-01-01T01:01:40.000Z")],
            [.text("qa_agent"), .text(Self.finetuned), .text("finetuned"), .text("rate_limited"), .integer(1), .integer(7), .real(14.29),
             .text("2026-01-01T00:02:10.000Z"), .text("2026-01-01T00:02:10.000Z")],
        ])
    }

    @Test func theAgentFilterKeepsOneAgentAndAnEmptyAgentMeansAll() throws {
        let fixture = try Fixture()
        var legal = Self.window
        legal.agent = "legal_agent"
        let onlyLegal = try fixture.run("errors-by-class", legal)
        #expect(Self.texts(onlyLegal, "agent") == ["legal_agent"])
        #expect(Self.integers(onlyLegal, "requests") == [3])

        var empty = Self.window
        empty.agent = ""
        #expect(try fixture.run("errors-by-class", empty) == (try fixture.run("errors-by-class")))
        #expect(try fixture.run("slowest-requests", empty).rows.count == 14)

        legal.agent = "nobody"
        #expect(try fixture.run("variant-comparison", legal).rows.isEmpty)
    }

    @Test func slowestRequestsAreOrderedSlowestFirstWithinTheWindow() throws {
        let fixture = try Fixture()
        let result = try fixture.run("slowest-requests")
        // o1 (99999 ms, one second early) and o2 (88888 ms, at the window's exclusive end) are out.
        #expect(Self.texts(result, "request_id") == ["q4", "q7", "q3", "l2", "q5", "q11", "q9", "l1", "q6", "q2", "q1", "q10", "q8", "l3"])
        #expect(Self.column(result, "latency_ms").first == .real(45000))
        #expect(Self.texts(result, "time").first == "2026-01-01T00:01:20.000Z")
        #expect(result.columns == ["request_id", "agent", "model", "variant", "latency_ms", "success", "error", "fallback", "fallback_model", "time"])

        var legal = Self.window
        legal.agent = "legal_agent"
        #expect(Self.texts(try fixture.run("slowest-requests", legal), "request_id") == ["l2", "l1", "l3"])

        // The window's start is inclusive: o1 is in from its own second on.
        let early = try fixture.run("slowest-requests", .init(since: Self.t0 - 1, until: Self.t0 + 11))
        #expect(Self.texts(early, "request_id") == ["o1", "q1"])
    }

    /// Streamed calls with a first-token time only: q10 streamed without one, the rest did not
    /// stream, o1 lies before the window.
    @Test func slowestFirstTokenListsStreamedCallsByTimeToFirstToken() throws {
        let fixture = try Fixture()
        let result = try fixture.run("slowest-first-token")
        #expect(Self.texts(result, "request_id") == ["q2", "l1", "q1"])
        #expect(Self.column(result, "ttft_ms") == [.real(300), .real(250), .real(120)])
        #expect(Self.column(result, "ttft_share") == [.real(0.5), .real(0.313), .real(0.24)])
        #expect(result.columns == ["request_id", "agent", "model", "variant", "ttft_ms", "latency_ms", "ttft_share",
                                   "output_tokens", "success", "time"])
        var legal = Self.window
        legal.agent = "legal_agent"
        #expect(Self.texts(try fixture.run("slowest-first-token", legal), "request_id") == ["l1"])
    }

    @Test func slowestRequestsStopsAtFifty() throws {
        let fixture = try Fixture()
        let writer = try SQLiteConnection(path: fixture.databasePath)
        try writer.execute("""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 80)
            INSERT INTO calls (ts, request_id, agent, model, variant, success, fallback, latency_ms, cost_usd, source_id, source_offset)
            SELECT \(Self.t0) + 4000 + i, 'bulk-' || i, 'bulk_agent', 'm', 'baseline', 1, 0, i, 0, 1, 0 FROM n
            """)
        let result = try fixture.run("slowest-requests")
        #expect(result.rows.count == 50)
        #expect(Self.texts(result, "request_id").prefix(4) == ["q4", "q7", "q3", "l2"])
    }

    @Test func fallbacksByModelPairCountsRescues() throws {
        let fixture = try Fixture()
        let result = try fixture.run("fallbacks-by-model-pair")
        #expect(Self.records(result) == [[
            "agent": .text("qa_agent"), "model": .text(Self.finetuned), "fallback_model": .text(Self.baseline),
            "requests": .integer(7), "fallbacks": .integer(4), "fallback_pct": .real(57.14),
            "rescued": .integer(3), "failed": .integer(1), "rescued_pct": .real(75.0),
            "first_seen": .text("2026-01-01T00:01:10.000Z"), "last_seen": .text("2026-01-01T00:05:10.000Z"),
        ]])
    }

    @Test func costByHourSumsPerAgentModelAndUTCHour() throws {
        let fixture = try Fixture()
        let result = try fixture.run("cost-by-hour")
        #expect(Self.texts(result, "hour") == ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z"])
        #expect(Self.texts(result, "agent") == ["legal_agent", "qa_agent", "qa_agent", "legal_agent"])
        #expect(Self.texts(result, "model") == [Self.baseline, Self.finetuned, Self.baseline, Self.baseline])
        #expect(Self.integers(result, "requests") == [1, 7, 4, 2])
        #expect(Self.column(result, "cost_usd") == [.real(0.01), .real(0.07), .real(0.04), .real(0.02)])
        // 100 input tokens per call, 50 output tokens per answered one: qa_agent's fine-tuned arm
        // answered 6 of 7 (not q4), its baseline 2 of 4, legal_agent in the second hour 1 of 2.
        let tokens: [Int64] = [150, 1000, 500, 250]
        #expect(Self.integers(result, "tokens") == tokens)
    }

    @Test func requestsPerMinuteHasARowForEveryMinuteIncludingEmptyOnes() throws {
        let fixture = try Fixture()
        let sixMinutes = ShippedQuery.Arguments(since: Self.t0, until: Self.t0 + 360, agent: "qa_agent")
        let result = try fixture.run("requests-per-minute", sixMinutes)
        #expect(Self.texts(result, "minute") == (0..<6).map { "2026-01-01T00:0\($0):00Z" })
        #expect(Self.integers(result, "requests") == [3, 3, 3, 0, 0, 2])
        #expect(Self.integers(result, "errors") == [0, 3, 1, 0, 0, 2])
        #expect(Self.integers(result, "failed") == [0, 2, 0, 0, 0, 1])
        #expect(Self.integers(result, "fallbacks") == [0, 2, 1, 0, 0, 1])

        // Every agent: legal_agent's l1 joins minute 0.
        let everyone = try fixture.run("requests-per-minute", .init(since: Self.t0, until: Self.t0 + 360))
        #expect(Self.integers(everyone, "requests") == [4, 3, 3, 0, 0, 2])

        // A start inside a minute counts that minute whole; an end inside a minute includes it.
        let ragged = try fixture.run("requests-per-minute", .init(since: Self.t0 + 75, until: Self.t0 + 130.5, agent: "qa_agent"))
        #expect(Self.texts(ragged, "minute") == ["2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z"])
        #expect(Self.integers(ragged, "requests") == [3, 1])

        #expect(try fixture.run("requests-per-minute", .init(since: Self.t0, until: Self.t0)).rows.isEmpty)
    }

    @Test func requestsPerMinuteKeepsTheLast1440MinutesOfALongWindow() throws {
        let fixture = try Fixture()
        let result = try fixture.run("requests-per-minute", .init(since: Self.t0 - 7 * 86400, until: Self.t0 + 7200))
        #expect(result.rows.count == 1440)
        #expect(Self.texts(result, "minute").last == "2026-01-01T01:59:00Z")
        #expect(Self.texts(result, "minute").first == "2025-12-31T02:00:00Z")
        #expect(Self.integers(result, "requests").reduce(0, +) == 15)  // o1 included, o2 (at until) not
    }

    @Test func variantComparisonComparesTheArmsOfEachAgent() throws {
        let fixture = try Fixture()
        let result = try fixture.run("variant-comparison")
        #expect(result.columns == ["agent", "variant", "models", "requests", "success_pct", "error_pct", "fallback_pct",
                                   "avg_latency_ms", "max_latency_ms", "cost_usd", "cost_per_request_usd"])
        #expect(result.rows == [
            [.text("legal_agent"), .text("baseline"), .integer(1), .integer(3), .real(66.67), .real(33.33), .real(0.0),
             .real(10533.3), .real(30500.0), .real(0.03), .real(0.01)],
            [.text("qa_agent"), .text("baseline"), .integer(1), .integer(4), .real(50.0), .real(50.0), .real(0.0),
             .real(675.0), .real(950.0), .real(0.04), .real(0.01)],
            [.text("qa_agent"), .text("finetuned"), .integer(1), .integer(7), .real(85.71), .real(57.14), .real(57.14),
             .real(15971.4), .real(45000.0), .real(0.07), .real(0.01)],
        ])
    }

    @Test func rejectedLinesShowReasonSourceAndExcerptByIngestTime() throws {
        let fixture = try Fixture()
        let now = WallClock.now()
        let result = try fixture.run("rejected-lines", .init(since: now - 600, until: now + 600, agent: "ignored_agent"))
        #expect(result.columns == ["ingested_at", "reason", "detail", "source_path", "source_offset", "line_length", "excerpt"])
        // Newest first.
        #expect(Self.texts(result, "reason") == ["invalid_json", "invalid_timestamp"])
        #expect(Self.texts(result, "excerpt") == Self.badLines.reversed())
        #expect(Self.texts(result, "source_path") == [fixture.logPath, fixture.logPath])
        #expect(Self.integers(result, "line_length") == Self.badLines.reversed().map { Int64($0.utf8.count) })
        let plantedBytes = Self.calls.reduce(0) { $0 + $1.line.utf8.count + 1 }
        #expect(Self.integers(result, "source_offset") == [Int64(plantedBytes + Self.badLines[0].utf8.count + 1), Int64(plantedBytes)])

        // The window applies to when the line was read, not to the calls' time.
        #expect(try fixture.run("rejected-lines").rows.isEmpty)
    }

    @Test func rejectedLinesCutTheExcerptTo200Characters() throws {
        let fixture = try Fixture()
        let writer = try SQLiteConnection(path: fixture.databasePath)
        try writer.execute("""
            INSERT INTO rejected_lines (ingested_at, source_id, source_offset, reason, detail, line_length, excerpt)
            VALUES (\(Self.t0 + 5), 1, 0, 'too_long', 'long', 5000, CAST(printf('%.4096c', 'x') AS BLOB))
            """)
        let result = try fixture.run("rejected-lines")
        #expect(Self.texts(result, "excerpt") == [String(repeating: "x", count: 200)])
        #expect(Self.texts(result, "ingested_at") == ["2026-01-01T00:00:05.000Z"])
    }

    @Test func requestByIDFindsEveryColumnAndTheLineInTheLog() throws {
        let fixture = try Fixture()
        var arguments = Self.window
        arguments.requestID = "q4"
        let result = try fixture.run("request-by-id", arguments)
        #expect(result.columns == ["time", "id", "ts", "request_id", "agent", "model", "variant", "success", "fallback", "fallback_model",
                                   "error", "latency_ms", "cost_usd", "input_tokens", "output_tokens", "source_id", "source_offset",
                                   "stream", "ttft_ms", "cached_input_tokens", "reasoning_tokens", "cache_hit", "record_index", "source_path"])
        let record = try #require(Self.records(result).first)
        #expect(result.rows.count == 1)
        #expect(record["time"] == .text("2026-01-01T00:01:20.000Z"))
        #expect(record["ts"] == .real(Self.t0 + 80))
        #expect(record["error"] == .text("timeout"))
        #expect(record["success"] == .integer(0))
        #expect(record["source_path"] == .text(fixture.logPath))
        #expect(record["source_offset"] == .integer(fixture.offsets["q4"]!))
        // The offset points at the line itself.
        let log = try #require(FileManager.default.contents(atPath: fixture.logPath))
        let line = log[Int(fixture.offsets["q4"]!)...].prefix { $0 != 0x0A }
        #expect(String(decoding: line, as: UTF8.self) == Self.calls.first { $0.id == "q4" }!.line)

        arguments.requestID = "o2"  // at the window's exclusive end
        #expect(try fixture.run("request-by-id", arguments).rows.isEmpty)
        arguments.requestID = nil
        #expect(try fixture.run("request-by-id", arguments).rows.isEmpty)
    }

    @Test func unsetTimesMeanTheLastHour() throws {
        let fixture = try Fixture()
        let writer = try SQLiteConnection(path: fixture.databasePath)
        let now = WallClock.now()
        try writer.execute("""
            INSERT INTO calls (ts, request_id, agent, model, variant, success, fallback, latency_ms, cost_usd, source_id, source_offset)
            VALUES (\(now - 1800), 'recent', 'qa_agent', 'm', 'baseline', 1, 0, 1, 0, 1, 0),
                   (\(now - 5400), 'older', 'qa_agent', 'm', 'baseline', 1, 0, 2, 0, 1, 0)
            """)
        let result = try fixture.run("slowest-requests", .init())
        #expect(Self.texts(result, "request_id") == ["recent"])
        // 60 minutes, or 61 when the hour does not start on a minute (the first is counted whole).
        #expect((60...61).contains(try fixture.run("requests-per-minute", .init()).rows.count))
    }

    @Test func readsCommittedRowsWhileTheIngestBatchIsOpen() throws {
        let fixture = try Fixture()
        // The store's next batch is open and holds the write lock, as during ingest.
        let uncommitted = CallRecord(timestamp: Self.t0 + 50, requestID: "uncommitted", agent: "qa_agent", model: Self.baseline,
                                     success: true, latencyMs: 1_000_000)
        try fixture.store.insertCall(uncommitted, sourceID: 1, offset: 0)
        #expect(fixture.store.hasOpenBatch)
        let result = try fixture.run("slowest-requests")
        #expect(Self.texts(result, "request_id").first == "q4")
        #expect(result.rows.count == 14)
        fixture.store.rollback()
    }

    // MARK: - Index use

    /// `EXPLAIN QUERY PLAN` of every query with a window and an agent: `calls` (a view since
    /// 0008-interned-labels; the plan names the table under it, `call_rows`) is searched through
    /// its index (`SEARCH call_rows USING INDEX calls_ts (ts>? AND ts<?)`), never scanned.
    /// rejected-lines is the one scan, of `rejected_lines`, which has no index on `ingested_at`
    /// (it reads newest first and stops at 200 rows; the table holds only bad lines).
    @Test(arguments: ShippedQuery.all.map(\.name))
    func readsCallsThroughAnIndexWhenGivenAWindow(_ name: String) throws {
        let fixture = try Fixture()
        let query = try #require(ShippedQuery.named(name))
        let arguments = ShippedQuery.Arguments(since: Self.t0, until: Self.t0 + 3600, agent: "qa_agent", requestID: "q4")
        let statement = try query.prepare(on: try fixture.reader(), with: arguments, prefix: "EXPLAIN QUERY PLAN ")
        var plan: [String] = []
        while try statement.step() { plan.append(statement.string(3) ?? "") }
        let scans = plan.filter { $0.hasPrefix("SCAN ") }
        #expect(!scans.contains { $0.hasPrefix("SCAN calls") || $0.hasPrefix("SCAN call_rows") },
                "\(name) scans calls:\n\(plan.joined(separator: "\n"))")
        if name == "rejected-lines" {
            #expect(scans == ["SCAN rejected_lines"], "\(plan)")
        } else {
            #expect(plan.contains { $0.hasPrefix("SEARCH call_rows USING INDEX calls_ts (ts>? AND ts<?)") },
                    "\(name) does not search calls by time:\n\(plan.joined(separator: "\n"))")
        }
    }

    // MARK: - The files

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let queriesDirectory = packageRoot.appendingPathComponent("queries").path
    static let catalogPath = packageRoot.appendingPathComponent("Sources/MetricsCore/Query/ShippedQuery+Catalog.swift").path

    /// `queries/*.sql`, by name, in name order.
    static func queryFiles() throws -> [(name: String, text: String)] {
        try FileManager.default.contentsOfDirectory(atPath: queriesDirectory)
            .filter { $0.hasSuffix(".sql") }
            .sorted()
            .map { file in
                let data = try #require(FileManager.default.contents(atPath: queriesDirectory + "/" + file))
                return (String(file.dropLast(4)), try #require(String(data: data, encoding: .utf8)))
            }
    }

    /// The Swift source of `ShippedQuery+Catalog.swift` for these files: each as a raw
    /// multi-line literal starting in column 0, so no indentation is stripped and the string is
    /// the file's bytes; enough `#`s that nothing in the SQL ends the literal or escapes.
    static func renderCatalog(_ files: [(name: String, text: String)]) -> String {
        var out = """
            // Generated from queries/*.sql by Tests/MetricsCoreTests/ShippedQueryTests.swift: do not edit.
            // The .sql files are the source. After changing one, regenerate this file with
            //   MODEL_EXPORTER_UPDATE_QUERY_CATALOG=1 swift test --filter ShippedQueryTests
            // and build again; the test fails while this file and queries/ differ by a byte.

            extension ShippedQuery {
                static let catalog: [(name: String, sql: String)] = [

            """
        for file in files {
            var hashes = "#"
            while file.text.contains("\"" + hashes) || file.text.contains("\\" + hashes) { hashes += "#" }
            out += "        (name: \"\(file.name)\", sql: \(hashes)\"\"\"\n\(file.text)\n\"\"\"\(hashes)),\n"
        }
        out += "    ]\n}\n"
        return out
    }

    /// 1-based number of the first line where two texts differ.
    static func firstDifferentLine(_ a: String, _ b: String) -> Int {
        let linesA = a.split(separator: "\n", omittingEmptySubsequences: false)
        let linesB = b.split(separator: "\n", omittingEmptySubsequences: false)
        return (zip(linesA, linesB).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(linesA.count, linesB.count)) + 1
    }

    @Test func theCompiledInCatalogIsTheQueryFilesByteForByte() throws {
        let files = try Self.queryFiles()
        let rendered = Self.renderCatalog(files)
        let onDisk = FileManager.default.contents(atPath: Self.catalogPath).flatMap { String(data: $0, encoding: .utf8) }
        if onDisk != rendered, ProcessInfo.processInfo.environment["MODEL_EXPORTER_UPDATE_QUERY_CATALOG"] == "1" {
            try rendered.write(toFile: Self.catalogPath, atomically: true, encoding: .utf8)
            Issue.record("rewrote \(Self.catalogPath) from queries/: build again and rerun")
            return
        }
        let upToDate = onDisk == rendered  // a Bool, so that a failure does not print both files
        #expect(upToDate, """
            ShippedQuery+Catalog.swift is stale (first difference at line \(Self.firstDifferentLine(onDisk ?? "", rendered))): \
            MODEL_EXPORTER_UPDATE_QUERY_CATALOG=1 swift test --filter ShippedQueryTests
            """)
        // And the compiled strings are the files' bytes (the literal encoding is right).
        #expect(ShippedQuery.catalog.map(\.name) == files.map(\.name))
        for (compiled, file) in zip(ShippedQuery.catalog, files) {
            let same = compiled.sql.utf8.elementsEqual(file.text.utf8)
            #expect(same, "queries/\(file.name).sql differs from its compiled copy at line \(Self.firstDifferentLine(compiled.sql, file.text))")
        }
    }

    @Test func theQueriesTheRunbooksNameAreShipped() {
        let names = Set(ShippedQuery.all.map(\.name))
        for name in ["errors-by-class", "slowest-requests", "fallbacks-by-model-pair", "cost-by-hour", "requests-per-minute",
                     "rejected-lines", "variant-comparison", "request-by-id", "slowest-first-token"] {
            #expect(names.contains(name), "\(name) is missing from queries/")
        }
    }

    /// Each file's header names it, says what it does in one line, lists exactly the parameters
    /// its SQL uses, and shows how to run it both ways; the file holds one statement.
    @Test(arguments: ShippedQuery.all.map(\.name))
    func theHeaderDescribesTheQuery(_ name: String) throws {
        let query = try #require(ShippedQuery.named(name))
        #expect(query.sql.hasPrefix("-- name: \(name)\n"))
        #expect(query.header["name"] == name)
        #expect(!query.summary.isEmpty && query.summary.count <= 140, "\(query.summary)")
        #expect(!query.sql.contains("\r"))
        #expect(query.sql.contains("< queries/\(name).sql"), "no sqlite3 usage example")
        #expect(query.sql.contains("model-exporter query \(name)"), "no model-exporter usage example")

        let code = query.sql.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
            .map { line in line.range(of: " --").map { String(line[..<$0.lowerBound]) } ?? String(line) }
            .joined(separator: "\n")
        let used = Set(code.matches(of: /:[a-z_]+/).map { String($0.output) })
        #expect(used == Set(query.parameters), "the header lists \(query.parameters), the SQL uses \(used.sorted())")
        #expect(used.isSubset(of: [":since", ":until", ":agent", ":request_id"]), "the command binds only these")
        let statement = code.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(statement.hasSuffix(";") && statement.filter { $0 == ";" }.count == 1, "one statement, ended by ;")
    }

    @Test func closestNamesSuggestWhatWasMeant() {
        #expect(ShippedQuery.closestNames(to: "errors-by-clas") == ["errors-by-class"])
        #expect(ShippedQuery.closestNames(to: "errors").first == "errors-by-class")
        #expect(ShippedQuery.closestNames(to: "slowest-request") == ["slowest-requests"])
        #expect(ShippedQuery.closestNames(to: "zzzzzzzzzzzz").isEmpty)
    }
}

/// The output formats, from results built by hand.
@Suite struct QueryResultFormatTests {
    static let result = QueryResult(
        columns: ["agent", "errors", "share_pct", "note"],
        rows: [
            [.text("qa_agent"), .integer(3), .real(42.86), .null],
            [.text("legal_agent"), .integer(12), .real(0.5), .text("a, \"quoted\"\nline")],
        ])

    @Test func tableAlignsColumnsRightAlignsNumbersAndEscapesControls() {
        #expect(Self.result.table() == """
            agent        errors  share_pct  note
            -----------  ------  ---------  -----------------
            qa_agent          3      42.86
            legal_agent      12        0.5  a, "quoted"\\nline

            """)
        let escape = QueryResult(columns: ["excerpt"], rows: [[.text("red\u{1b}[0m\tx")], [.blob([0x0a, 0xff])]])
        #expect(escape.table() == "excerpt\n---------------\nred\\u{1b}[0m\\tx\nx'0aff'\n")
        #expect(QueryResult(columns: ["a", "b"], rows: []).table() == "a  b\n-  -\n")
    }

    @Test func csvIsRFC4180() {
        #expect(Self.result.csv() == "agent,errors,share_pct,note\r\nqa_agent,3,42.86,\r\nlegal_agent,12,0.5,\"a, \"\"quoted\"\"\nline\"\r\n")
    }

    @Test func jsonIsAnArrayOfObjectsInColumnOrder() throws {
        let text = Self.result.json()
        #expect(text == """
            [
              {"agent":"qa_agent","errors":3,"share_pct":42.86,"note":null},
              {"agent":"legal_agent","errors":12,"share_pct":0.5,"note":"a, \\"quoted\\"\\nline"}
            ]

            """)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(parsed.count == 2)
        #expect(parsed[1]["note"] as? String == "a, \"quoted\"\nline")
        #expect(QueryResult(columns: ["a"], rows: []).json() == "[]\n")
        let odd = QueryResult(columns: ["x"], rows: [[.real(.infinity)], [.real(8.5e-05)], [.text("\u{1}")]])
        #expect(odd.json() == "[\n  {\"x\":null},\n  {\"x\":8.5e-05},\n  {\"x\":\"\\u0001\"}\n]\n")
        #expect(try JSONSerialization.jsonObject(with: Data(odd.json().utf8)) is [Any])
    }
}
