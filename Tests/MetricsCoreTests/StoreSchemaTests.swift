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
}
