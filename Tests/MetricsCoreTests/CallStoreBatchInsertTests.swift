import Logging
import Testing
@testable import MetricsCore

/// `CallStore.insertCall` buffers rows and inserts them in one statement per flush (through the
/// `pending_calls` virtual table): what is read back must be exactly what was inserted, in
/// order, NULLs included, whether the batch is smaller or larger than one flush; a rollback
/// drops buffered and flushed rows alike.
@Suite struct CallStoreBatchInsertTests {
    static let logger = Logger(label: "test")

    /// A call with every optional field set or unset by `n`, so each NULL column is exercised.
    static func call(_ n: Int) -> CallRecord {
        CallRecord(
            timestamp: 1_767_225_600 + Double(n) / 8, requestID: n % 7 == 0 ? nil : "req-\(n)-é",
            agent: "agent_\(n % 3)", model: n % 2 == 0 ? "gpt-4o" : "ft:gpt-4o:acme:\(n % 5)",
            variant: n % 2 == 0 ? "baseline" : "finetuned", success: n % 11 != 0, fallback: n % 13 == 0,
            fallbackModel: n % 13 == 0 ? "gpt-4o-mini" : nil, error: n % 11 == 0 ? "timeout" : nil,
            latencyMs: Double(n) * 1.25, costUSD: Double(n) / 1e5,
            inputTokens: n % 4 == 0 ? nil : Int64(n), outputTokens: n % 6 == 0 ? nil : Int64(2 * n),
            stream: n % 3 == 0 ? nil : n % 2 == 0, ttftMs: n % 5 == 0 ? nil : Double(n) / 4,
            cachedInputTokens: n % 9 == 0 ? nil : Int64(n / 2), reasoningTokens: n % 10 == 0 ? nil : Int64(n / 3),
            cacheHit: n % 8 == 0 ? nil : n % 17 == 0)
    }

    struct StoredRow: Equatable {
        var call: CallRecord
        var source: Int64
        var offset: Int64
        var index: Int64
    }

    static func storedRows(_ path: String) throws -> [StoredRow] {
        let db = try SQLiteConnection(path: path, mode: .readOnly)
        let s = try db.prepare("""
            SELECT ts, request_id, agent, model, variant, success, fallback, fallback_model, error, latency_ms,
                   cost_usd, input_tokens, output_tokens, source_id, source_offset, stream, ttft_ms,
                   cached_input_tokens, reasoning_tokens, cache_hit, record_index
            FROM calls ORDER BY id
            """)
        var rows: [StoredRow] = []
        while try s.step() {
            func int(_ column: Int32) -> Int64? { s.isNull(column) ? nil : s.int64(column) }
            func bool(_ column: Int32) -> Bool? { int(column).map { $0 != 0 } }
            let call = CallRecord(
                timestamp: s.double(0), requestID: s.string(1), agent: s.string(2) ?? "", model: s.string(3) ?? "",
                variant: s.string(4) ?? "", success: s.int64(5) != 0, fallback: s.int64(6) != 0,
                fallbackModel: s.string(7), error: s.string(8), latencyMs: s.double(9), costUSD: s.double(10),
                inputTokens: int(11), outputTokens: int(12), stream: bool(15), ttftMs: s.isNull(16) ? nil : s.double(16),
                cachedInputTokens: int(17), reasoningTokens: int(18), cacheHit: bool(19))
            rows.append(StoredRow(call: call, source: s.int64(13), offset: s.int64(14), index: s.int64(20)))
        }
        return rows
    }

    @Test(arguments: [1, PendingCalls.flushRows - 1, PendingCalls.flushRows, 3 * PendingCalls.flushRows + 7])
    func everyRowReadsBackAsInsertedInOrder(_ count: Int) throws {
        let dir = TemporaryDirectory()
        let path = dir.file("calls.sqlite")
        let store = try CallStore(path: path, buckets: .default, logger: Self.logger)
        var expected: [StoredRow] = []
        for n in 0..<count {
            let row = StoredRow(call: Self.call(n), source: Int64(1 + n % 2), offset: Int64(300 * n), index: Int64(n % 4))
            try store.insertCall(row.call, sourceID: row.source, offset: row.offset, index: row.index)
            expected.append(row)
        }
        try store.commit(TotalsChanges())
        #expect(try Self.storedRows(path) == expected)
    }

    @Test func aRollbackDropsFlushedAndBufferedRows() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("calls.sqlite")
        let store = try CallStore(path: path, buckets: .default, logger: Self.logger)
        try store.insertCall(Self.call(1), sourceID: 1, offset: 0)
        try store.commit(TotalsChanges())
        // More than one flush: some rows are in the open transaction, the rest still buffered.
        for n in 0..<(PendingCalls.flushRows + 10) {
            try store.insertCall(Self.call(n), sourceID: 1, offset: Int64(n + 1))
        }
        store.rollback()
        // call(2)'s labels (agent_2, gpt-4o, baseline) were first inserted by the rolled-back
        // transaction: the store must not remember their keys (nor their recent answers).
        try store.insertCall(Self.call(2), sourceID: 1, offset: 99)
        try store.commit(TotalsChanges())
        let rows = try Self.storedRows(path)
        #expect(rows.map(\.offset) == [0, 99])
        #expect(rows.map(\.call) == [Self.call(1), Self.call(2)])
    }

    @Test func aNewDatabaseHasLargePagesAndAnOldOneKeepsItsOwn() throws {
        let dir = TemporaryDirectory()
        let fresh = dir.file("new.sqlite")
        _ = try CallStore(path: fresh, buckets: .default, logger: Self.logger)
        #expect(try SQLiteConnection(path: fresh).pageSize() == StorePragmas.newDatabasePageSize)

        // A database created by an earlier release, with SQLite's default 4 KiB pages.
        let old = dir.file("old.sqlite")
        try StoreSchemaTests.databaseBeforeStreamingFields(at: old)
        #expect(try SQLiteConnection(path: old).pageSize() == 4096)
        let store = try CallStore(path: old, buckets: .default, logger: Self.logger)
        try store.insertCall(Self.call(3), sourceID: 1, offset: 1)
        try store.commit(TotalsChanges())
        let db = try SQLiteConnection(path: old)
        #expect(try db.pageSize() == 4096)
        #expect(try Self.storedRows(old).count == 2)
    }
}
