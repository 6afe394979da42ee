import Logging
import Testing
@testable import MetricsCore

/// Databases written by earlier releases upgrade in place: the migrations an old release had
/// are applied by hand, a row is stored the old way, and opening the store brings the schema
/// forward without touching the row.
@Suite struct StoreSchemaTests {
    static let logger = Logger(label: "test")

    /// A database as the release before `0004-streaming-and-cache-fields` left it.
    static func databaseBeforeStreamingFields(at path: String) throws {
        let db = try SQLiteConnection(path: path)
        try db.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")
        for migration in StoreSchema.migrations.prefix(while: { $0.name != "0004-streaming-and-cache-fields" }) {
            try db.execute(migration.sql)
            try db.execute("INSERT INTO schema_migrations VALUES ('\(migration.name)', 1767225600)")
        }
        try db.execute("""
            INSERT INTO calls (ts, request_id, agent, model, variant, success, fallback, latency_ms, cost_usd,
                               input_tokens, output_tokens, source_id, source_offset)
            VALUES (1767225600, 'old-1', 'qa_agent', 'm', 'baseline', 1, 0, 812.5, 0.01, 400, 120, 1, 0)
            """)
    }

    static func columns(of table: String, in db: SQLiteConnection) throws -> [String] {
        let s = try db.prepare("SELECT name FROM pragma_table_info('\(table)') ORDER BY cid")
        var names: [String] = []
        while try s.step() { names.append(s.string(0) ?? "") }
        return names
    }

    @Test func theMigrationsHaveUniqueNamesInOrder() {
        let names = StoreSchema.migrations.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names == names.sorted())
    }

    @Test func aDatabaseFromBeforeTheStreamingFieldsUpgradesInPlace() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("calls.sqlite")
        try Self.databaseBeforeStreamingFields(at: path)
        let before = try Self.columns(of: "calls", in: SQLiteConnection(path: path))
        #expect(!before.contains("ttft_ms"))

        _ = try CallStore(path: path, buckets: .default, logger: Self.logger)

        let db = try SQLiteConnection(path: path)
        let after = try Self.columns(of: "calls", in: db)
        #expect(after == before + ["stream", "ttft_ms", "cached_input_tokens", "reasoning_tokens", "cache_hit", "record_index"])
        // 0006: every old row came from a one-record line.
        #expect(try Self.columns(of: "rejected_lines", in: db).last == "record_index")
        let indexes = try db.prepare("SELECT count(*) FROM calls WHERE record_index = 0")
        #expect(try indexes.step() && indexes.int64(0) == 1)
        let applied = try db.prepare("SELECT count(*) FROM schema_migrations WHERE name = '0004-streaming-and-cache-fields'")
        #expect(try applied.step() && applied.int64(0) == 1)
        // The old row keeps every value it had, and says nothing of the new signals.
        let row = try db.prepare("""
            SELECT request_id, latency_ms, output_tokens,
                   stream IS NULL AND ttft_ms IS NULL AND cached_input_tokens IS NULL
                   AND reasoning_tokens IS NULL AND cache_hit IS NULL
            FROM calls
            """)
        #expect(try row.step())
        #expect(row.string(0) == "old-1")
        #expect(row.double(1) == 812.5)
        #expect(row.int64(2) == 120)
        #expect(row.int64(3) == 1)
        #expect(try !row.step())

        // Opening again applies nothing twice.
        _ = try CallStore(path: path, buckets: .default, logger: Self.logger)
        #expect(try Self.columns(of: "calls", in: SQLiteConnection(path: path)) == after)
    }
    /// A database as the release before `0008-interned-labels` left it: calls with text labels,
    /// NULL and repeated ones among them, and a replica mark.
    static func databaseBeforeInternedLabels(at path: String) throws {
        let db = try SQLiteConnection(path: path)
        try db.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")
        for migration in StoreSchema.migrations.prefix(while: { $0.name != "0008-interned-labels" }) {
            try db.execute(migration.sql)
            try db.execute("INSERT INTO schema_migrations VALUES ('\(migration.name)', 1767225600)")
        }
        try db.execute("""
            INSERT INTO calls (id, ts, request_id, agent, model, variant, success, fallback, fallback_model, error,
                               latency_ms, cost_usd, input_tokens, output_tokens, source_id, source_offset, stream,
                               ttft_ms, cached_input_tokens, reasoning_tokens, cache_hit, record_index)
            VALUES (3, 1767225600.25, 'old-1', 'qa_agent', 'gpt-4o', 'baseline', 1, 0, NULL, NULL, 812.5, 0.01, 400, 120, 1, 0, 1, 90.5, 100, 7, 0, 0),
                   (7, 1767225601.5, NULL, 'qa_agent', 'ft:gpt-4o:acme:1', 'finetuned', 1, 1, 'gpt-4o', 'timeout', 2400, 0.02, NULL, NULL, 1, 310, NULL, NULL, NULL, NULL, NULL, 2),
                   (9, 1767225602, 'old-3', 'legal_agent', 'gpt-4o', 'baseline', 0, 1, 'gpt-4o', 'rate_limit', 30000, 0, 12, 0, 2, 0, 0, NULL, NULL, NULL, 1, 0);
            INSERT INTO replica_shipped VALUES ('calls', 7);
            """)
    }

    static func allCalls(_ db: SQLiteConnection) throws -> [[String]] {
        let s = try db.prepare("SELECT * FROM calls ORDER BY id")
        var rows: [[String]] = []
        while try s.step() {
            rows.append((0..<s.columnCount).map { s.isNull($0) ? "NULL" : (s.string($0) ?? "") })
        }
        return rows
    }

    @Test func aDatabaseFromBeforeInternedLabelsUpgradesInPlaceWithTheSameRows() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("calls.sqlite")
        try Self.databaseBeforeInternedLabels(at: path)
        let before = try Self.allCalls(SQLiteConnection(path: path))
        let columnsBefore = try Self.columns(of: "calls", in: SQLiteConnection(path: path))
        #expect(before.count == 3)

        let store = try CallStore(path: path, buckets: .default, logger: Self.logger)

        let db = try SQLiteConnection(path: path)
        // The same columns, rows, ids and values, now read through the view.
        #expect(try Self.columns(of: "calls", in: db) == columnsBefore)
        #expect(try Self.allCalls(db) == before)
        let kind = try db.prepare("SELECT type FROM sqlite_master WHERE name = 'calls'")
        #expect(try kind.step() && kind.string(0) == "view")
        let labels = try db.prepare("SELECT group_concat(value, ',') FROM (SELECT value FROM labels ORDER BY value)")
        #expect(try labels.step()
                && labels.string(0) == "baseline,finetuned,ft:gpt-4o:acme:1,gpt-4o,legal_agent,qa_agent,rate_limit,timeout")
        let index = try db.prepare("SELECT tbl_name FROM sqlite_master WHERE type = 'index' AND name = 'calls_ts'")
        #expect(try index.step() && index.string(0) == "call_rows")
        let mark = try db.prepare("SELECT shipped_through FROM replica_shipped WHERE stream = 'calls'")
        #expect(try mark.step() && mark.int64(0) == 7)

        // The store writes new rows after the old ones, reusing the labels it finds.
        try store.insertCall(CallRecord(timestamp: 1767225700, requestID: "new-1", agent: "qa_agent", model: "gpt-4o",
                                        success: false, error: "timeout", latencyMs: 5),
                             sourceID: 1, offset: 620)
        try store.commit(TotalsChanges())
        // A new connection: the statements above, stepped and not reset, hold `db`'s snapshot.
        let reopened = try SQLiteConnection(path: path)
        let after = try Self.allCalls(reopened)
        #expect(after.prefix(3) == before[...])
        #expect(after.count == 4 && after[3][0] == "10" && after[3][2] == "new-1" && after[3][3] == "qa_agent"
                && after[3][9] == "timeout")
        let count = try reopened.prepare("SELECT count(*) FROM labels")
        #expect(try count.step() && count.int64(0) == 8)
        let applied = try reopened.prepare("SELECT count(*) FROM schema_migrations WHERE name = '0008-interned-labels'")
        #expect(try applied.step() && applied.int64(0) == 1)
    }

    /// Tools and fixtures that wrote the old table write the view the same way.
    @Test func insertingAndDeletingThroughTheCallsViewWorksAsOnTheOldTable() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("calls.sqlite")
        _ = try CallStore(path: path, buckets: .default, logger: Self.logger)
        let db = try SQLiteConnection(path: path)
        try db.execute("""
            INSERT INTO calls (ts, request_id, agent, model, variant, success, fallback, latency_ms, cost_usd, source_id, source_offset)
            VALUES (1767225600, 'a', 'qa_agent', 'm', 'baseline', 1, 0, 10, 0, 1, 0),
                   (1767225601, 'b', 'qa_agent', 'm2', 'finetuned', 0, 0, 20, 0, 1, 50);
            """)
        #expect(try Self.allCalls(db).map { [$0[2], $0[3], $0[4], $0[5], $0[21]] }
                == [["a", "qa_agent", "m", "baseline", "0"], ["b", "qa_agent", "m2", "finetuned", "0"]])
        try db.execute("DELETE FROM calls WHERE request_id = 'a'")
        #expect(try Self.allCalls(db).map { $0[2] } == ["b"])
    }
}
