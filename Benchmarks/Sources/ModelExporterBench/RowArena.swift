import MetricsCore

/// Parsed records flattened for the ceiling: every string's bytes in one array, each row a
/// plain struct of numbers and (offset, length) pairs. Binding a row is then only pointer
/// arithmetic, the least any program inserting these rows has to do.
struct RowArena {
    /// Where a string sits in `text`; `count < 0` is SQL NULL.
    struct Text {
        var start: Int32
        var count: Int32
    }

    struct Row {
        var timestamp: Double
        var requestID: Text
        var agent: Text
        var model: Text
        var variant: Text
        var fallbackModel: Text
        var error: Text
        var success: Bool
        var fallback: Bool
        var latencyMs: Double
        var costUSD: Double
        var inputTokens: Int64?
        var outputTokens: Int64?
        var offset: Int64
        var stream: Bool?
        var ttftMs: Double?
        var cachedInputTokens: Int64?
        var reasoningTokens: Int64?
        var cacheHit: Bool?
    }

    var text: [UInt8] = []
    var rows: [Row] = []

    init(_ parsed: ParsedLog) {
        rows.reserveCapacity(parsed.records.count)
        for (record, offset) in zip(parsed.records, parsed.offsets) {
            rows.append(Row(
                timestamp: record.timestamp, requestID: append(record.requestID), agent: append(record.agent),
                model: append(record.model), variant: append(record.variant),
                fallbackModel: append(record.fallbackModel), error: append(record.error),
                success: record.success, fallback: record.fallback, latencyMs: record.latencyMs,
                costUSD: record.costUSD, inputTokens: record.inputTokens, outputTokens: record.outputTokens,
                offset: offset, stream: record.stream, ttftMs: record.ttftMs,
                cachedInputTokens: record.cachedInputTokens, reasoningTokens: record.reasoningTokens,
                cacheHit: record.cacheHit))
        }
    }

    private mutating func append(_ value: String?) -> Text {
        guard let value else { return Text(start: 0, count: -1) }
        let start = text.count
        text.append(contentsOf: value.utf8)
        return Text(start: Int32(start), count: Int32(text.count - start))
    }
}
