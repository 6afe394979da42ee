import CSQLite

/// The calls of the open batch not yet inserted, as the `pending_calls` virtual table shows
/// them (Sources/CSQLite/shim.h): plain C rows and one text buffer, so the batch is inserted
/// by one `INSERT … SELECT … FROM pending_calls` rather than a bind-step-reset per row.
///
/// Rows are plain values (no String, no reference): labels are integer keys (CallStore+Labels),
/// the request id's bytes are copied once into `text`, and nothing is retained or released per row. Both arrays keep their
/// capacity from one flush to the next.
struct PendingCalls {
    private(set) var rows: [csqlite_pending_call] = []
    private(set) var text: [UInt8] = []

    /// Rows held before they are inserted: small enough that the rows and their text stay in
    /// the CPU cache between being appended and being read by SQLite.
    static let flushRows = 512

    init() {
        rows.reserveCapacity(Self.flushRows)
        text.reserveCapacity(Self.flushRows * 48)
    }

    var count: Int { rows.count }
    var isEmpty: Bool { rows.isEmpty }

    /// The keys of a call's labels in the `labels` table.
    struct LabelIDs {
        var agent: Int64
        var model: Int64
        var variant: Int64
        var fallbackModel: Int64?
        var error: Int64?
    }

    mutating func append(_ call: CallRecord, labels: LabelIDs, sourceID: Int64, offset: Int64, index: Int64) {
        var row = csqlite_pending_call()
        var nulls: UInt32 = 0
        func null(_ column: Int) { nulls |= 1 << UInt32(column) }
        row.ts = call.timestamp
        row.latency_ms = call.latencyMs
        row.cost_usd = call.costUSD
        if let value = call.ttftMs { row.ttft_ms = value } else { null(CSQLITE_PC_TTFT_MS) }
        if let value = call.inputTokens { row.input_tokens = value } else { null(CSQLITE_PC_INPUT_TOKENS) }
        if let value = call.outputTokens { row.output_tokens = value } else { null(CSQLITE_PC_OUTPUT_TOKENS) }
        if let value = call.cachedInputTokens { row.cached_input_tokens = value } else { null(CSQLITE_PC_CACHED_INPUT_TOKENS) }
        if let value = call.reasoningTokens { row.reasoning_tokens = value } else { null(CSQLITE_PC_REASONING_TOKENS) }
        row.source_id = sourceID
        row.source_offset = offset
        row.record_index = index
        row.request_id = appendText(call.requestID)
        row.agent_id = labels.agent
        row.model_id = labels.model
        row.variant_id = labels.variant
        if let value = labels.fallbackModel { row.fallback_model_id = value } else { null(CSQLITE_PC_FALLBACK_MODEL_ID) }
        if let value = labels.error { row.error_id = value } else { null(CSQLITE_PC_ERROR_ID) }
        row.success = call.success ? 1 : 0
        row.fallback = call.fallback ? 1 : 0
        if let value = call.stream { row.stream = value ? 1 : 0 } else { null(CSQLITE_PC_STREAM) }
        if let value = call.cacheHit { row.cache_hit = value ? 1 : 0 } else { null(CSQLITE_PC_CACHE_HIT) }
        row.nulls = nulls
        rows.append(row)
    }

    private mutating func appendText(_ value: String?) -> csqlite_pending_text {
        guard var value else { return csqlite_pending_text(start: 0, length: -1) }
        let start = text.count
        value.withUTF8 { text.append(contentsOf: $0) }
        return csqlite_pending_text(start: Int32(start), length: Int32(text.count - start))
    }

    mutating func removeAll() {
        rows.removeAll(keepingCapacity: true)
        text.removeAll(keepingCapacity: true)
    }

    /// Shows the rows to `pending_calls` for the duration of `body` (the statement's step).
    func withBatch<T>(_ batch: UnsafeMutablePointer<csqlite_pending_batch>, _ body: () throws(SQLiteError) -> T) throws(SQLiteError) -> T {
        let result: Result<T, SQLiteError> = rows.withUnsafeBufferPointer { rows in
            text.withUnsafeBufferPointer { text in
                batch.pointee.rows = rows.baseAddress
                batch.pointee.count = Int64(rows.count)
                batch.pointee.text = UnsafeRawPointer(text.baseAddress).map { $0.assumingMemoryBound(to: CChar.self) }
                defer {
                    batch.pointee.rows = nil
                    batch.pointee.count = 0
                    batch.pointee.text = nil
                }
                do throws(SQLiteError) {
                    return .success(try body())
                } catch {
                    return .failure(error)
                }
            }
        }
        return try result.get()
    }
}
