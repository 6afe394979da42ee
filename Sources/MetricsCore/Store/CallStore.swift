package import Logging
import CSQLite

/// Errors of the store, with what the operator can do about them.
package struct StoreError: Error, CustomStringConvertible, Sendable {
    package var message: String
    package var underlying: SQLiteError?

    package var description: String {
        if let underlying { "\(message): \(underlying)" } else { message }
    }

    static func wrap(_ message: String, _ error: SQLiteError) -> StoreError {
        StoreError(message: message, underlying: error)
    }
}

/// The SQLite database: calls, quarantined lines, read positions and running totals.
///
/// Rows, read positions and totals of one batch commit in one transaction, so after a crash
/// at any moment the database holds every line up to the stored position exactly once, and
/// the totals match the rows. WAL mode: readers (a `sqlite3 -readonly` shell, the query
/// commands) never block ingest and ingest never blocks them.
///
/// One connection, used by one thread (the ingest thread).
package final class CallStore {
    package let path: String
    let db: SQLiteConnection
    private let logger: Logger
    /// The latency histogram bounds the totals are kept in (stored ones that differ are rebuilt).
    package let buckets: LatencyBuckets
    /// Which `series` row holds each series; filled by `loadTotals`, extended by `commit`.
    var seriesRowIDs: [SeriesKey: Int64] = [:]
    var bucketBounds: [Double] { buckets.bounds }
    /// Bounds of the first-token histogram (`--metrics.ttft-buckets`).
    let ttftBuckets: LatencyBuckets
    var inTransaction = false
    /// Calls of the open batch not yet inserted (`insertCall` buffers, `flushPendingCalls` inserts).
    var pendingCalls = PendingCalls()
    /// What the connection's `pending_calls` table shows; owned by the connection.
    private let pendingBatch: UnsafeMutablePointer<csqlite_pending_batch>

    private let insertPendingStatement: SQLiteStatement
    let selectLabelStatement: SQLiteStatement
    let insertLabelStatement: SQLiteStatement
    /// Label text → its `labels` row, for labels known to be committed (a cache: see CallStore+Labels).
    var labelIDs: [String: Int64] = [:]
    /// The answers `labelIDs` gave last, looked up without SipHash (see RecentLabels).
    var recentLabelIDs = RecentLabels<String, Int64>(placeholder: "")
    /// Labels inserted by the open transaction: forgotten if it rolls back.
    var uncommittedLabels: [String] = []
    private let insertRejectedStatement: SQLiteStatement
    private let insertSourceStatement: SQLiteStatement
    private let updateSourceStatement: SQLiteStatement
    let insertSeriesStatement: SQLiteStatement
    let updateSeriesStatement: SQLiteStatement
    let upsertErrorStatement: SQLiteStatement
    let upsertFallbackStatement: SQLiteStatement
    let upsertCounterStatement: SQLiteStatement

    package init(path: String, buckets: LatencyBuckets, ttftBuckets: LatencyBuckets = .timeToFirstToken,
                 logger: Logger) throws(StoreError) {
        self.path = path
        self.buckets = buckets
        self.ttftBuckets = ttftBuckets
        self.logger = logger
        do {
            db = try SQLiteConnection(path: path)
            // A reader holding a lock must not make a commit fail at once; wait a little.
            db.setBusyTimeout(milliseconds: 5000)
            for pragma in StorePragmas.beforeFirstWrite { try db.execute(pragma) }
            for pragma in StorePragmas.connection(pageSize: try db.pageSize()) { try db.execute(pragma) }
        } catch {
            throw StoreError.wrap("cannot open the database at \(path) (check the directory exists and is writable)", error)
        }
        do throws(SQLiteError) {
            try Self.migrate(db, logger: logger)
            guard let batch = csqlite_register_pending_calls(db.handle) else {
                throw db.error(SQLITE_ERROR)
            }
            pendingBatch = batch
            // One statement per flush: the rows come from the pending_calls virtual table in order.
            insertPendingStatement = try db.prepare("""
                INSERT INTO call_rows (ts, request_id, agent_id, model_id, variant_id, success, fallback, fallback_model_id,
                                       error_id, latency_ms, cost_usd, input_tokens, output_tokens, source_id, source_offset,
                                       stream, ttft_ms, cached_input_tokens, reasoning_tokens, cache_hit, record_index)
                SELECT ts, request_id, agent_id, model_id, variant_id, success, fallback, fallback_model_id,
                       error_id, latency_ms, cost_usd, input_tokens, output_tokens, source_id, source_offset,
                       stream, ttft_ms, cached_input_tokens, reasoning_tokens, cache_hit, record_index
                FROM pending_calls
                """)
            selectLabelStatement = try db.prepare("SELECT id FROM labels WHERE value = ?1")
            insertLabelStatement = try db.prepare("INSERT INTO labels (value) VALUES (?1)")
            insertRejectedStatement = try db.prepare("""
                INSERT INTO rejected_lines (ingested_at, source_id, source_offset, reason, detail, line_length, excerpt,
                                            record_index)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                """)
            insertSourceStatement = try db.prepare("""
                INSERT INTO sources (id, path, device, inode, fingerprint, read_offset, state, first_seen, updated_at)
                VALUES (?8, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
                """)
            updateSourceStatement = try db.prepare("""
                UPDATE sources SET read_offset = ?2, fingerprint = ?3, state = ?4, updated_at = ?5 WHERE id = ?1
                """)
            insertSeriesStatement = try db.prepare("""
                INSERT INTO series (agent, model, variant, requests_success, requests_error, cost_usd, input_tokens,
                                    output_tokens, latency_sum_seconds, latency_buckets, last_ts, created_at,
                                    cached_input_tokens, reasoning_tokens, cache_hits, ttft_sum_seconds, ttft_buckets,
                                    tpot_sum_seconds, tpot_buckets)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)
                """)
            updateSeriesStatement = try db.prepare("""
                UPDATE series SET requests_success = ?2, requests_error = ?3, cost_usd = ?4, input_tokens = ?5,
                    output_tokens = ?6, latency_sum_seconds = ?7, latency_buckets = ?8, last_ts = ?9,
                    cached_input_tokens = ?13, reasoning_tokens = ?14, cache_hits = ?15, ttft_sum_seconds = ?16,
                    ttft_buckets = ?17, tpot_sum_seconds = ?18, tpot_buckets = ?19
                WHERE id = ?1
                """)
            upsertErrorStatement = try db.prepare("""
                INSERT INTO series_errors (series_id, error_type, count) VALUES (?1, ?2, ?3)
                ON CONFLICT (series_id, error_type) DO UPDATE SET count = excluded.count
                """)
            upsertFallbackStatement = try db.prepare("""
                INSERT INTO series_fallbacks (series_id, fallback_model, count) VALUES (?1, ?2, ?3)
                ON CONFLICT (series_id, fallback_model) DO UPDATE SET count = excluded.count
                """)
            upsertCounterStatement = try db.prepare("""
                INSERT INTO exporter_counters (name, label, value) VALUES (?1, ?2, ?3)
                ON CONFLICT (name, label) DO UPDATE SET value = excluded.value
                """)
        } catch {
            throw StoreError.wrap("cannot prepare the database at \(path)", error)
        }
    }

    static func migrate(_ db: SQLiteConnection, logger: Logger) throws(SQLiteError) {
        try db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")
        var applied: Set<String> = []
        let select = try db.prepare("SELECT name FROM schema_migrations")
        while try select.step() { applied.insert(select.string(0) ?? "") }
        for migration in StoreSchema.migrations where !applied.contains(migration.name) {
            try db.execute("BEGIN IMMEDIATE")
            do {
                try db.execute(migration.sql)
                let record = try db.prepare("INSERT INTO schema_migrations (name, applied_at) VALUES (?1, ?2)")
                record.bind(1, migration.name)
                record.bind(2, WallClock.now())
                try record.run()
                try db.execute("COMMIT")
                logger.info("applied database migration", metadata: ["migration": "\(migration.name)"])
            } catch {
                try? db.execute("ROLLBACK")
                throw error
            }
        }
    }

    // MARK: Loading

    /// Sources not yet finished, oldest first.
    package func openSources() throws(StoreError) -> [SourceFile] {
        try sources(finished: false)
    }

    /// Sources read to their end: a glob must not read them again under another name.
    package func finishedSources() throws(StoreError) -> [SourceFile] {
        try sources(finished: true)
    }

    private func sources(finished: Bool) throws(StoreError) -> [SourceFile] {
        do {
            let select = try db.prepare("""
                SELECT id, path, device, inode, fingerprint, read_offset, state FROM sources
                WHERE (state = 'finished') = \(finished ? 1 : 0) ORDER BY id
                """)
            var result: [SourceFile] = []
            while try select.step() {
                result.append(SourceFile(
                    id: select.int64(0), path: select.string(1) ?? "",
                    identity: FileIdentity(device: UInt64(bitPattern: select.int64(2)), inode: UInt64(bitPattern: select.int64(3))),
                    fingerprint: select.blob(4), readOffset: select.int64(5),
                    state: SourceFile.State(rawValue: select.string(6) ?? "") ?? .finished))
            }
            return result
        } catch {
            throw StoreError.wrap("cannot read the read positions", error)
        }
    }

    /// Loads the stored totals. When the configured histogram buckets (latency or first token)
    /// differ from the stored ones, rebuilds those histograms from the stored calls and says so
    /// (`rebuiltHistograms`): the caller saves every series again at its next commit.
    package func loadTotals() throws(StoreError) -> (totals: RunningTotals, rebuiltHistograms: Bool) {
        let loaded: RunningTotals
        let bucketsChanged: Bool
        let ttftChanged: Bool
        do {
            let storedBuckets = try meta("latency_buckets")
            bucketsChanged = storedBuckets != nil && storedBuckets != buckets.canonicalText
            // A database from before --metrics.ttft-buckets counted with the default bounds.
            let storedTTFTBuckets = try meta("ttft_buckets")
            ttftChanged = (storedTTFTBuckets ?? LatencyBuckets.timeToFirstToken.canonicalText) != ttftBuckets.canonicalText
            var series: [Int64: (key: SeriesKey, totals: SeriesTotals)] = [:]
            let select = try db.prepare("""
                SELECT id, agent, model, variant, requests_success, requests_error, cost_usd, input_tokens,
                       output_tokens, latency_sum_seconds, latency_buckets, last_ts, created_at,
                       cached_input_tokens, reasoning_tokens, cache_hits, ttft_sum_seconds, ttft_buckets,
                       tpot_sum_seconds, tpot_buckets FROM series
                """)
            while try select.step() {
                var totals = SeriesTotals(bucketCount: buckets.bounds.count, ttftBucketCount: ttftBuckets.bounds.count)
                totals.requestsSuccess = UInt64(max(0, select.int64(4)))
                totals.requestsError = UInt64(max(0, select.int64(5)))
                totals.costUSD = select.double(6)
                totals.inputTokens = UInt64(max(0, select.int64(7)))
                totals.outputTokens = UInt64(max(0, select.int64(8)))
                totals.latencySumSeconds = select.double(9)
                if !bucketsChanged {
                    let counts = (select.string(10) ?? "").split(separator: ",").map { UInt64($0) ?? 0 }
                    if counts.count == totals.latencyBucketCounts.count { totals.latencyBucketCounts = counts }
                }
                totals.lastTimestamp = select.double(11)
                totals.createdTimestamp = select.double(12)
                totals.cachedInputTokens = UInt64(max(0, select.int64(13)))
                totals.reasoningTokens = UInt64(max(0, select.int64(14)))
                totals.cacheHits = UInt64(max(0, select.int64(15)))
                totals.ttftSumSeconds = select.double(16)
                let ttft = (select.string(17) ?? "").split(separator: ",").map { UInt64($0) ?? 0 }
                if !ttftChanged && ttft.count == totals.ttftBucketCounts.count { totals.ttftBucketCounts = ttft }
                totals.tpotSumSeconds = select.double(18)
                let tpot = (select.string(19) ?? "").split(separator: ",").map { UInt64($0) ?? 0 }
                if tpot.count == totals.tpotBucketCounts.count { totals.tpotBucketCounts = tpot }
                let key = SeriesKey(agent: select.string(1) ?? "", model: select.string(2) ?? "", variant: select.string(3) ?? "")
                series[select.int64(0)] = (key, totals)
            }
            let errors = try db.prepare("SELECT series_id, error_type, count FROM series_errors")
            while try errors.step() {
                series[errors.int64(0)]?.totals.errorsByType[errors.string(1) ?? ""] = UInt64(max(0, errors.int64(2)))
            }
            let fallbacks = try db.prepare("SELECT series_id, fallback_model, count FROM series_fallbacks")
            while try fallbacks.step() {
                series[fallbacks.int64(0)]?.totals.fallbacksByModel[fallbacks.string(1) ?? ""] = UInt64(max(0, fallbacks.int64(2)))
            }
            if bucketsChanged {
                logger.warning("histogram buckets changed since the last run; rebuilding latency histograms from stored calls",
                               metadata: ["stored": "\(storedBuckets ?? "")", "configured": "\(buckets.canonicalText)"])
                try rebuildLatency(&series)
            }
            if ttftChanged {
                logger.warning("first-token histogram buckets changed since the last run; rebuilding them from stored calls",
                               metadata: ["stored": "\(storedTTFTBuckets ?? LatencyBuckets.timeToFirstToken.canonicalText)",
                                          "configured": "\(ttftBuckets.canonicalText)"])
                try rebuildTimeToFirstToken(&series)
            }
            seriesRowIDs = Dictionary(uniqueKeysWithValues: series.map { ($0.value.key, $0.key) })
            loaded = RunningTotals(series: series.values.sorted { $0.key < $1.key }.map { (key: $0.key, totals: $0.totals) },
                                   counters: try loadCounters())
            if storedBuckets != buckets.canonicalText {
                try setMeta("latency_buckets", buckets.canonicalText)
            }
            if storedTTFTBuckets != ttftBuckets.canonicalText {
                try setMeta("ttft_buckets", ttftBuckets.canonicalText)
            }
        } catch {
            throw StoreError.wrap("cannot load the stored totals", error)
        }
        return (loaded, bucketsChanged || ttftChanged)
    }

    private func loadCounters() throws(SQLiteError) -> ExporterCounters {
        var counters = ExporterCounters()
        let select = try db.prepare("SELECT name, label, value FROM exporter_counters")
        while try select.step() {
            let value = UInt64(max(0, select.int64(2)))
            let label = select.string(1) ?? ""
            switch select.string(0) ?? "" {
            case "accepted_lines": counters.acceptedLines = value
            case "rejected_lines": if let reason = RejectReason(rawValue: label) { counters.rejectedLines[reason] = value }
            case "read_bytes": counters.readBytes = value
            case "rotations": counters.rotations = value
            case "truncations": counters.truncations = value
            case "folded_lines": counters.foldedLines[label] = value
            case "lost_files": counters.lostFiles = value
            default: break
            }
        }
        return counters
    }

    func meta(_ key: String) throws(SQLiteError) -> String? {
        let select = try db.prepare("SELECT value FROM meta WHERE key = ?1")
        select.bind(1, key)
        return try select.step() ? select.string(0) : nil
    }

    func setMeta(_ key: String, _ value: String) throws(SQLiteError) {
        let upsert = try db.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        upsert.bind(1, key)
        upsert.bind(2, value)
        try upsert.run()
    }

    // MARK: Batches

    /// Starts the batch's transaction if it is not open yet.
    func beginIfNeeded() throws(SQLiteError) {
        guard !inTransaction else { return }
        try db.execute("BEGIN IMMEDIATE")
        inTransaction = true
    }

    package var hasOpenBatch: Bool { inTransaction }

    /// One past the largest source id: the reader thread assigns ids of new files itself.
    package func nextSourceID() throws(StoreError) -> Int64 {
        do {
            let select = try db.prepare("SELECT ifnull(max(id), 0) + 1 FROM sources")
            _ = try select.step()
            return select.int64(0)
        } catch {
            throw StoreError.wrap("cannot read the sources", error)
        }
    }

    package func registerSource(id: Int64, path: String, identity: FileIdentity, fingerprint: [UInt8]) throws(SQLiteError) {
        try beginIfNeeded()
        let s = insertSourceStatement
        defer { s.reset() }
        s.bind(8, id)
        s.bind(1, path)
        s.bind(2, Int64(bitPattern: identity.device))
        s.bind(3, Int64(bitPattern: identity.inode))
        fingerprint.withUnsafeBytes { s.bind(4, blob: $0) }
        s.bind(5, Int64(0))
        s.bind(6, SourceFile.State.active.rawValue)
        s.bind(7, WallClock.now())
        try s.step()
    }

    package func updateSource(id: Int64, readOffset: Int64, fingerprint: [UInt8], state: SourceFile.State) throws(SQLiteError) {
        try beginIfNeeded()
        let s = updateSourceStatement
        defer { s.reset() }
        s.bind(1, id)
        s.bind(2, readOffset)
        fingerprint.withUnsafeBytes { s.bind(3, blob: $0) }
        s.bind(4, state.rawValue)
        s.bind(5, WallClock.now())
        try s.step()
    }

    /// `index` is the record's place within its line: 0 unless the format has several records per line.
    /// The row is inserted at the next flush (every `PendingCalls.flushRows` calls, and at commit),
    /// inside the same transaction.
    package func insertCall(_ call: CallRecord, sourceID: Int64, offset: Int64, index: Int64 = 0) throws(SQLiteError) {
        try beginIfNeeded()
        let labels = PendingCalls.LabelIDs(
            agent: try labelID(call.agent), model: try labelID(call.model), variant: try labelID(call.variant),
            fallbackModel: try call.fallbackModel.map { (value) throws(SQLiteError) in try labelID(value) },
            error: try call.error.map { (value) throws(SQLiteError) in try labelID(value) })
        pendingCalls.append(call, labels: labels, sourceID: sourceID, offset: offset, index: index)
        if pendingCalls.count >= PendingCalls.flushRows { try flushPendingCalls() }
    }

    /// Inserts the buffered calls with one statement. On error the rows stay buffered; the
    /// caller rolls the transaction back, which drops them.
    func flushPendingCalls() throws(SQLiteError) {
        guard !pendingCalls.isEmpty else { return }
        let s = insertPendingStatement
        defer { s.reset() }
        _ = try pendingCalls.withBatch(pendingBatch) { () throws(SQLiteError) in try s.step() }
        pendingCalls.removeAll()
    }

    package func insertRejected(reason: RejectReason, detail: String, sourceID: Int64, offset: Int64, length: Int64,
                               excerpt: [UInt8], index: Int64 = 0) throws(SQLiteError) {
        // The blob is bound with SQLITE_TRANSIENT (copied) inside the closure; the step follows it.
        try beginIfNeeded()
        let s = insertRejectedStatement
        defer { s.reset() }
        s.bind(1, WallClock.now())
        s.bind(2, sourceID)
        s.bind(3, offset)
        s.bind(4, reason.rawValue)
        s.bind(5, detail)
        s.bind(6, length)
        excerpt.withUnsafeBytes { s.bind(7, blob: UnsafeRawBufferPointer(rebasing: $0.prefix(4096))) }
        s.bind(8, index)
        try s.step()
    }
}
