import CSQLite
import MetricsCore

/// The ceiling: the same rows through a bare prepared INSERT, `batch` rows per transaction,
/// strings bound without a copy. The database is created by the product's CallStore, so the
/// schema, the calls_ts index, the page size and the file's pragmas are the product's; the
/// connection then sets the same per-connection pragmas CallStore sets (StorePragmas). What is left between this and
/// end-to-end ingest is the product's own work: reading, parsing, aggregating, binding.
struct CeilingBenchmark {
    var batch: Int

    static let insert = """
        INSERT INTO calls (ts, request_id, agent, model, variant, success, fallback, fallback_model,
                           error, latency_ms, cost_usd, input_tokens, output_tokens, source_id, source_offset)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
        """


    func run(_ arena: RowArena, databasePath: String) throws -> Measurement {
        try DatabaseFiles.create(databasePath)
        defer { DatabaseFiles.remove(databasePath) }
        var handle: OpaquePointer?
        guard sqlite3_open_v2(databasePath, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK,
              let db = handle else {
            throw BenchFailure("cannot open \(databasePath)")
        }
        defer { sqlite3_close_v2(db) }
        func exec(_ sql: String) throws(BenchFailure) {
            guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else {
                throw BenchFailure("\(sql): \(String(cString: sqlite3_errmsg(db)))")
            }
        }
        // CallStore's connection settings (StorePragmas, the same list CallStore applies): the
        // ceiling must not be faster or slower for a reason that is not the product's per-row work.
        // The file was created by CallStore, so its page size is the product's too.
        for pragma in StorePragmas.beforeFirstWrite + StorePragmas.connection(pageSize: StorePragmas.newDatabasePageSize) {
            try exec(pragma)
        }
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
