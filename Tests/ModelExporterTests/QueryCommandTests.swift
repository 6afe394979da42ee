import Foundation
import Logging
import MetricsCore
import Testing
@testable import ModelExporter

/// `model-exporter query` as a reviewer runs it: the built binary against a database in the
/// exporter's schema, read-only, while a writer may hold the ingest lock. Output compared
/// exactly per format; mistakes (a wrong name, a bad time, no database) end with one message
/// and a non-zero status.
@Suite struct QueryCommandTests {
    /// 2026-01-01T00:00:00Z.
    static let t0 = 1_767_225_600.0
    static let window = ["--since", "2026-01-01T00:00:00Z", "--until", "\(Int(t0) + 7200)"]

    /// A database in the store's schema holding three qa_agent calls to
    /// the fine-tuned model, two of which fell back (one rescued), one baseline call, and a
    /// quarantined line with quotes and commas.
    struct Database {
        let directory: ScratchDirectory
        let path: String

        init() throws {
            directory = try ScratchDirectory("query-command")
            path = directory.file("calls.sqlite")
            // The exporter's own store makes the schema (every migration, WAL mode) and is closed
            // again at once: the rows below go in with plain SQL, so each test knows them exactly.
            _ = try CallStore(path: path, buckets: .default, logger: Logger(label: "test"))
            let db = try SQLiteConnection(path: path)
            try db.execute("""
                INSERT INTO sources (id, path, device, inode, fingerprint, read_offset, state, first_seen, updated_at)
                VALUES (1, '/var/log/llm-gateway/calls.jsonl', 1, 1, x'', 0, 'active', \(t0), \(t0));
                INSERT INTO calls (ts, request_id, agent, model, variant, success, fallback, fallback_model, error,
                                   latency_ms, cost_usd, input_tokens, output_tokens, source_id, source_offset)
                VALUES (\(t0 + 10), 'r-fast', 'qa_agent', 'ft:qa', 'finetuned', 1, 0, NULL, NULL, 500, 0.01, 100, 50, 1, 0),
                       (\(t0 + 15), 'r-base', 'qa_agent', 'open-mistral-7b', 'baseline', 1, 0, NULL, NULL, 400, 0.01, 100, 50, 1, 300),
                       (\(t0 + 70), 'r-rescued', 'qa_agent', 'ft:qa', 'finetuned', 1, 1, 'open-mistral-7b', 'timeout', 31000, 0.01, 100, 50, 1, 600),
                       (\(t0 + 80), 'r-failed', 'qa_agent', 'ft:qa', 'finetuned', 0, 1, 'open-mistral-7b', 'timeout', 45000, 0.01, 100, 0, 1, 900);
                INSERT INTO rejected_lines (ingested_at, source_id, source_offset, reason, detail, line_length, excerpt)
                VALUES (\(t0 + 5), 1, 1200, 'invalid_timestamp', 'field "ts" must be RFC 3339', 33, CAST('{"ts":"yesterday","agent":"a,b"}' AS BLOB));
                """)
        }

        func remove() { directory.remove() }
    }

    static func query(_ arguments: [String], in database: Database, environment: [String: String] = [:]) async throws -> ExporterProcess.Completion {
        try await ExporterProcess.run(["query"] + arguments, in: database.directory.path, environment: environment, timeout: 30)
    }

    static func text(_ completion: ExporterProcess.Completion) -> String {
        String(decoding: completion.stdout, as: UTF8.self)
    }

    // MARK: - Listing and formats

    @Test func listShowsEveryQueryWithItsSummary() async throws {
        let database = try Database()
        defer { database.remove() }
        let run = try await Self.query(["--list"], in: database)
        #expect(run.exit == .success, "\(run.stderr)")
        let lines = Self.text(run).split(separator: "\n")
        #expect(lines.count == ShippedQuery.all.count)
        for (line, query) in zip(lines, ShippedQuery.all) {
            #expect(line.hasPrefix(query.name + "  ") && line.hasSuffix(query.summary), "\(line)")
        }
        #expect(lines.contains { $0.hasPrefix("errors-by-class ") })
    }

    @Test func tableIsAlignedUnderAHeader() async throws {
        let database = try Database()
        defer { database.remove() }
        let run = try await Self.query(["fallbacks-by-model-pair", "--storage.path", database.path] + Self.window, in: database)
        #expect(run.exit == .success, "\(run.stderr)")
        #expect(Self.text(run) == """
            agent     model  fallback_model   requests  fallbacks  fallback_pct  rescued  failed  rescued_pct  first_seen                last_seen
            --------  -----  ---------------  --------  ---------  ------------  -------  ------  -----------  ------------------------  ------------------------
            qa_agent  ft:qa  open-mistral-7b         3          2         66.67        1       1           50  2026-01-01T00:01:10.000Z  2026-01-01T00:01:20.000Z

            """)
        #expect(run.stderr.isEmpty, "\(run.stderr)")
    }

    @Test func csvIsRFC4180() async throws {
        let database = try Database()
        defer { database.remove() }
        let pairs = try await Self.query(["fallbacks-by-model-pair", "--format", "csv", "--storage.path", database.path] + Self.window, in: database)
        #expect(pairs.exit == .success, "\(pairs.stderr)")
        #expect(Self.text(pairs) == """
            agent,model,fallback_model,requests,fallbacks,fallback_pct,rescued,failed,rescued_pct,first_seen,last_seen\r
            qa_agent,ft:qa,open-mistral-7b,3,2,66.67,1,1,50,2026-01-01T00:01:10.000Z,2026-01-01T00:01:20.000Z\r

            """)

        // Quotes doubled, fields with commas or quotes quoted.
        let rejected = try await Self.query(["rejected-lines", "--format", "csv", "--storage.path", database.path] + Self.window, in: database)
        #expect(rejected.exit == .success, "\(rejected.stderr)")
        #expect(Self.text(rejected) == """
            ingested_at,reason,detail,source_path,source_offset,line_length,excerpt\r
            2026-01-01T00:00:05.000Z,invalid_timestamp,"field ""ts"" must be RFC 3339",/var/log/llm-gateway/calls.jsonl,1200,33,"{""ts"":""yesterday"",""agent"":""a,b""}"\r

            """)
    }

    @Test func jsonIsAnArrayOfObjects() async throws {
        let database = try Database()
        defer { database.remove() }
        let run = try await Self.query(["slowest-requests", "--format", "json", "--agent", "qa_agent", "--storage.path", database.path] + Self.window, in: database)
        #expect(run.exit == .success, "\(run.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout)) as? [[String: Any]])
        #expect(rows.map { $0["request_id"] as? String } == ["r-failed", "r-rescued", "r-fast", "r-base"])
        #expect(rows.first?["latency_ms"] as? Double == 45000)
        #expect(rows.first?["fallback_model"] as? String == "open-mistral-7b")
        #expect(rows.last?["error"] is NSNull)
        #expect(Self.text(run).hasPrefix("[\n  {\"request_id\":\"r-failed\",\"agent\":\"qa_agent\","))

        let none = try await Self.query(["slowest-requests", "--format", "json", "--agent", "nobody", "--storage.path", database.path] + Self.window, in: database)
        #expect(none.exit == .success)
        #expect(Self.text(none) == "[]\n")
        #expect(none.stderr.contains("no rows between 2026-01-01T00:00:00.000Z and 2026-01-01T02:00:00.000Z"), "\(none.stderr)")
    }

    @Test func requestByIDFindsTheRequest() async throws {
        let database = try Database()
        defer { database.remove() }
        let run = try await Self.query(["request-by-id", "--request-id", "r-rescued", "--format", "json", "--storage.path", database.path] + Self.window, in: database)
        #expect(run.exit == .success, "\(run.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout)) as? [[String: Any]])
        #expect(rows.count == 1)
        #expect(rows.first?["source_offset"] as? Int == 600)
        #expect(rows.first?["source_path"] as? String == "/var/log/llm-gateway/calls.jsonl")
    }

    @Test func printSQLIsTheShippedFile() async throws {
        let database = try Database()
        defer { database.remove() }
        let run = try await Self.query(["request-by-id", "--print-sql"], in: database)
        #expect(run.exit == .success, "\(run.stderr)")
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try #require(FileManager.default.contents(atPath: root.appendingPathComponent("queries/request-by-id.sql").path))
        #expect(run.stdout == Array(file))
    }

    @Test func theDatabaseComesFromTheServiceVariableWhenNoFlagIsGiven() async throws {
        let database = try Database()
        defer { database.remove() }
        let run = try await Self.query(["variant-comparison", "--format", "csv"] + Self.window, in: database,
                                       environment: ["MODEL_EXPORTER_STORAGE_PATH": database.path])
        #expect(run.exit == .success, "\(run.stderr)")
        #expect(Self.text(run).split(separator: "\r\n").count == 3)  // header, baseline, finetuned
    }

    @Test func readsWhileTheExporterHoldsTheWriteLock() async throws {
        let database = try Database()
        defer { database.remove() }
        // What the ingest does between BEGIN IMMEDIATE and COMMIT.
        let writer = try SQLiteConnection(path: database.path)
        try writer.execute("""
            BEGIN IMMEDIATE;
            INSERT INTO calls (ts, request_id, agent, model, variant, success, fallback, latency_ms, cost_usd, source_id, source_offset)
            VALUES (\(Self.t0 + 20), 'r-uncommitted', 'qa_agent', 'ft:qa', 'finetuned', 1, 0, 99999, 0, 1, 1500);
            """)
        let run = try await Self.query(["slowest-requests", "--format", "csv", "--storage.path", database.path] + Self.window, in: database)
        try writer.execute("COMMIT")
        #expect(run.exit == .success, "\(run.stderr)")
        let ids = Self.text(run).split(separator: "\r\n").dropFirst().map { $0.split(separator: ",").first.map(String.init) ?? "" }
        #expect(ids == ["r-failed", "r-rescued", "r-fast", "r-base"])
    }

    @Test func anAgentForAQueryWithoutOneIsIgnoredAndSaidSo() async throws {
        let database = try Database()
        defer { database.remove() }
        let run = try await Self.query(["rejected-lines", "--agent", "qa_agent", "--storage.path", database.path] + Self.window, in: database)
        #expect(run.exit == .success, "\(run.stderr)")
        #expect(run.stderr.contains("rejected-lines has no :agent parameter; --agent is ignored"), "\(run.stderr)")
        #expect(Self.text(run).contains("invalid_timestamp"))
    }

    // MARK: - Mistakes

    @Test func aWrongNameSuggestsTheClosest() async throws {
        let database = try Database()
        defer { database.remove() }
        let run = try await Self.query(["errors-by-clas", "--storage.path", database.path], in: database)
        #expect(run.exit != .success)
        #expect(run.stderr.contains(#"no shipped query named "errors-by-clas"; did you mean errors-by-class?"#), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    @Test(arguments: [
        (["--since", "yesterday"], #"--since "yesterday" is neither a duration"#),
        (["--since", "2026-13-01T00:00:00Z"], #"--since "2026-13-01T00:00:00Z" is neither"#),
        (["--until=-5"], #"--until "-5" is neither"#),
        (["--since", "2026-01-02T00:00:00Z", "--until", "2026-01-01T00:00:00Z"], "must be before --until"),
    ])
    func aBadTimeIsRefused(_ arguments: [String], _ message: String) async throws {
        let database = try Database()
        defer { database.remove() }
        let run = try await Self.query(["errors-by-class", "--storage.path", database.path] + arguments, in: database)
        #expect(run.exit != .success)
        #expect(run.stderr.contains(message), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    @Test func aMissingDatabaseIsOneClearError() async throws {
        let database = try Database()
        defer { database.remove() }
        let missing = database.directory.file("nope.sqlite")
        let run = try await Self.query(["errors-by-class", "--storage.path", missing], in: database)
        #expect(run.exit == .init(status: 1, bySignal: false))
        #expect(run.stderr.contains("no database at \(missing)"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }.count == 1, "\(run.stderr)")
        // Read-only: no file was created in its place.
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    @Test func aFileThatIsNotTheExportersDatabaseIsSaidSo() async throws {
        let database = try Database()
        defer { database.remove() }
        let other = database.directory.file("other.sqlite")
        let db = try SQLiteConnection(path: other)
        try db.execute("CREATE TABLE t (x)")
        let run = try await Self.query(["errors-by-class", "--storage.path", other], in: database)
        #expect(run.exit != .success)
        #expect(run.stderr.contains("\(other) is not a model-exporter database"), "\(run.stderr)")
    }

    @Test func requestByIDNeedsARequestID() async throws {
        let database = try Database()
        defer { database.remove() }
        let run = try await Self.query(["request-by-id", "--storage.path", database.path], in: database)
        #expect(run.exit != .success)
        #expect(run.stderr.contains("request-by-id needs --request-id ID"), "\(run.stderr)")
    }

    @Test func noNameAndNoListIsRefused() async throws {
        let database = try Database()
        defer { database.remove() }
        let run = try await Self.query([], in: database)
        #expect(run.exit != .success)
        #expect(run.stderr.contains("give a query name, or --list"), "\(run.stderr)")
    }

    // MARK: - Reading times and paths (in-process)

    @Test func timesAreNowDurationsRFC3339OrEpochSeconds() {
        let now = 1_767_225_600.0
        #expect(QueryCommand.instant("now", now: now) == now)
        #expect(QueryCommand.instant("1h", now: now) == now - 3600)
        #expect(QueryCommand.instant("30m", now: now) == now - 1800)
        #expect(QueryCommand.instant("7d", now: now) == now - 7 * 86400)
        #expect(QueryCommand.instant("1h30m", now: now) == now - 5400)
        #expect(QueryCommand.instant("2026-11-27T07:00:00Z", now: now) == 1_795_762_800)
        #expect(QueryCommand.instant("2026-11-27T09:00:00+02:00", now: now) == 1_795_762_800)
        #expect(QueryCommand.instant("1764200000", now: now) == 1_764_200_000)
        #expect(QueryCommand.instant("1764200000.25", now: now) == 1_764_200_000.25)
        for bad in ["", "yesterday", "1x", "-1", "inf", "nan", "2026-11-27 07:00:00Z", "2026-11-27"] {
            #expect(QueryCommand.instant(bad, now: now) == nil, "\(bad)")
        }
    }

    @Test func theDatabasePathIsTheFlagThenTheServiceVariableThenTheDefault() {
        #expect(QueryCommand.databasePath(flag: "/a.sqlite", environment: ["MODEL_EXPORTER_STORAGE_PATH": "/b.sqlite"]) == "/a.sqlite")
        #expect(QueryCommand.databasePath(flag: nil, environment: ["MODEL_EXPORTER_STORAGE_PATH": "/b.sqlite"]) == "/b.sqlite")
        #expect(QueryCommand.databasePath(flag: nil, environment: [:]) == "model-exporter.sqlite")
    }
}
