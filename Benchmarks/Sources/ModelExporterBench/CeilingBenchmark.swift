#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSQLite
import MetricsCore

/// The ceiling: the same rows through a bare prepared INSERT, `batch` rows per transaction,
/// every column bound (strings without a copy), into the plain table any tool storing these
/// calls would start from: one row per call with every field as the log carries it (labels as
/// text) and the one time index — the `calls` table as it was before the product interned its
/// labels (migrations 0001–0007), written out here so that it stays the same yardstick
/// whatever the product's schema becomes. The database file gets the product's settings
/// (StorePragmas: page size, WAL, checkpoint size, cache), so what separates this from
/// end-to-end ingest is only the product's own work and its own schema.
struct CeilingBenchmark {
    var batch: Int

    static let schema = """
        CREATE TABLE calls (
            id INTEGER PRIMARY KEY, ts REAL NOT NULL, request_id TEXT, agent TEXT NOT NULL, model TEXT NOT NULL,
            variant TEXT NOT NULL, success INTEGER NOT NULL, fallback INTEGER NOT NULL, fallback_model TEXT,
            error TEXT, latency_ms REAL NOT NULL, cost_usd REAL NOT NULL, input_tokens INTEGER, output_tokens INTEGER,
            source_id INTEGER NOT NULL, source_offset INTEGER NOT NULL, stream INTEGER, ttft_ms REAL,
            cached_input_tokens INTEGER, reasoning_tokens INTEGER, cache_hit INTEGER,
            record_index INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX calls_ts ON calls (ts);
        """

    static let insert = """
        INSERT INTO calls (ts, request_id, agent, model, variant, success, fallback, fallback_model,
                           error, latency_ms, cost_usd, input_tokens, output_tokens, source_id, source_offset,
                           stream, ttft_ms, cached_input_tokens, reasoning_tokens, cache_hit, record_index)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)
        """

    func run(_ arena: RowArena, databasePath: String) throws -> Measurement {
        DatabaseFiles.remove(databasePath)
        defer { DatabaseFiles.remove(databasePath) }
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        guard sqlite3_open_v2(databasePath, &handle, flags, nil) == SQLITE_OK, let db = handle else {
            throw BenchFailure("cannot open \(databasePath)")
        }
        defer { sqlite3_close_v2(db) }
        func exec(_ sql: String) throws(BenchFailure) {
            guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else {
                throw BenchFailure("\(sql): \(String(cString: sqlite3_errmsg(db)))")
            }
        }
        // The product's settings (the same list CallStore applies): the ceiling must not be
        // faster or slower for a reason that is not the product's per-row work.
        for pragma in StorePragmas.beforeFirstWrite + StorePragmas.connection(pageSize: StorePragmas.newDatabasePageSize) {
            try exec(pragma)
        }
        try exec(Self.schema)
        var prepared: OpaquePointer?
        guard sqlite3_prepare_v3(db, Self.insert, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, nil) == SQLITE_OK,
              let statement = prepared else {
            throw BenchFailure("cannot prepare the insert: \(String(cString: sqlite3_errmsg(db)))")
        }
        defer { sqlite3_finalize(statement) }
        let batch = self.batch
        return try Measurement.time { () throws(BenchFailure) -> Int in
            try arena.text.withUnsafeBufferPointer { (text) throws(BenchFailure) -> Void in
                let base = UnsafeRawPointer(text.baseAddress ?? UnsafePointer(bitPattern: 1)!)
                func bind(_ index: Int32, _ value: RowArena.Text) {
                    if value.count < 0 {
                        sqlite3_bind_null(statement, index)
                    } else {
                        // nil destructor = SQLITE_STATIC: the arena outlives the step.
                        sqlite3_bind_text(statement, index, (base + Int(value.start)).assumingMemoryBound(to: CChar.self), value.count, nil)
                    }
                }
                func bind(_ index: Int32, _ value: Int64?) {
                    if let value { sqlite3_bind_int64(statement, index, value) } else { sqlite3_bind_null(statement, index) }
                }
                func bind(_ index: Int32, _ value: Double?) {
                    if let value { sqlite3_bind_double(statement, index, value) } else { sqlite3_bind_null(statement, index) }
                }
                func bind(_ index: Int32, _ value: Bool?) {
                    if let value { sqlite3_bind_int(statement, index, value ? 1 : 0) } else { sqlite3_bind_null(statement, index) }
                }
                try exec("BEGIN IMMEDIATE")
                var inBatch = 0
                for row in arena.rows {
                    sqlite3_bind_double(statement, 1, row.timestamp)
                    bind(2, row.requestID)
                    bind(3, row.agent)
                    bind(4, row.model)
                    bind(5, row.variant)
                    sqlite3_bind_int(statement, 6, row.success ? 1 : 0)
                    sqlite3_bind_int(statement, 7, row.fallback ? 1 : 0)
                    bind(8, row.fallbackModel)
                    bind(9, row.error)
                    sqlite3_bind_double(statement, 10, row.latencyMs)
                    sqlite3_bind_double(statement, 11, row.costUSD)
                    bind(12, row.inputTokens)
                    bind(13, row.outputTokens)
                    sqlite3_bind_int64(statement, 14, DatabaseFiles.sourceID)
                    sqlite3_bind_int64(statement, 15, row.offset)
                    bind(16, row.stream)
                    bind(17, row.ttftMs)
                    bind(18, row.cachedInputTokens)
                    bind(19, row.reasoningTokens)
                    bind(20, row.cacheHit)
                    sqlite3_bind_int64(statement, 21, 0)
                    guard sqlite3_step(statement) == SQLITE_DONE else {
                        throw BenchFailure("insert failed: \(String(cString: sqlite3_errmsg(db)))")
                    }
                    sqlite3_reset(statement)
                    inBatch += 1
                    if inBatch == batch {
                        try exec("COMMIT")
                        try exec("BEGIN IMMEDIATE")
                        inBatch = 0
                    }
                }
                try exec("COMMIT")
            }
            return arena.rows.count
        }
    }
}
