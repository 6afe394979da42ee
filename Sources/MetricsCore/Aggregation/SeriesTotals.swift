/// Running totals of one model series since the database was created: what every exported
/// model counter, histogram and gauge of that series is made of.
public struct SeriesTotals: Sendable, Equatable {
    public var requestsSuccess: UInt64 = 0
    public var requestsError: UInt64 = 0
    /// First-attempt errors by error class.
    public var errorsByType: [String: UInt64] = [:]
    /// Fallbacks by the model tried next ("" when the line did not say).
    public var fallbacksByModel: [String: UInt64] = [:]
    public var costUSD: Double = 0
    public var inputTokens: UInt64 = 0
    public var outputTokens: UInt64 = 0
    /// Input tokens served from the provider's prompt cache (a part of `inputTokens`).
    public var cachedInputTokens: UInt64 = 0
    /// Output tokens spent on reasoning (a part of `outputTokens`).
    public var reasoningTokens: UInt64 = 0
    /// Requests the gateway's own response cache answered.
    public var cacheHits: UInt64 = 0
    /// Streamed requests with a first-token time, per bucket of ``LatencyBuckets/timeToFirstToken``
    /// (not cumulative; the last slot is +Inf).
    public var ttftBucketCounts = Array(repeating: UInt64(0), count: LatencyBuckets.timeToFirstToken.bounds.count + 1)
    public var ttftSumSeconds: Double = 0
    /// Streamed requests with ≥ 2 output tokens, per bucket of ``LatencyBuckets/timePerOutputToken``.
    public var tpotBucketCounts = Array(repeating: UInt64(0), count: LatencyBuckets.timePerOutputToken.bounds.count + 1)
    public var tpotSumSeconds: Double = 0
    /// Per-bucket (not cumulative) counts; the last slot is the +Inf bucket.
    public var latencyBucketCounts: [UInt64]
    public var latencySumSeconds: Double = 0
    /// Newest `ts` seen in the series, epoch seconds.
    public var lastTimestamp: Double = 0
    /// When the series was first stored (wall clock, epoch seconds): OpenMetrics `_created`.
    public var createdTimestamp: Double = 0

    public init(bucketCount: Int) {
        latencyBucketCounts = Array(repeating: 0, count: bucketCount + 1)
    }

    public var requests: UInt64 { requestsSuccess &+ requestsError }

    public var latencyCount: UInt64 { latencyBucketCounts.reduce(0, &+) }

    public var ttftCount: UInt64 { ttftBucketCounts.reduce(0, &+) }

    public var tpotCount: UInt64 { tpotBucketCounts.reduce(0, &+) }

    /// Folds one call in; label values already bounded by the aggregator.
    mutating func add(_ call: CallRecord, errorType: String?, fallbackModel: String?, bucket: Int) {
        if call.success { requestsSuccess &+= 1 } else { requestsError &+= 1 }
        if let errorType { errorsByType[errorType, default: 0] &+= 1 }
        if let fallbackModel { fallbacksByModel[fallbackModel, default: 0] &+= 1 }
        costUSD += call.costUSD
        if let tokens = call.inputTokens { inputTokens &+= UInt64(tokens) }
        if let tokens = call.outputTokens { outputTokens &+= UInt64(tokens) }
        latencyBucketCounts[bucket] &+= 1
        latencySumSeconds += call.latencyMs / 1000
        if call.timestamp > lastTimestamp { lastTimestamp = call.timestamp }
        if let tokens = call.cachedInputTokens { cachedInputTokens &+= UInt64(tokens) }
        if let tokens = call.reasoningTokens { reasoningTokens &+= UInt64(tokens) }
        if call.cacheHit == true { cacheHits &+= 1 }
        // Streaming timings: only for answers the line says were streamed, as OpenTelemetry
        // defines time to first token for streaming calls only.
        if call.stream == true, let ttftMs = call.ttftMs {
            let ttft = ttftMs / 1000
            ttftBucketCounts[LatencyBuckets.timeToFirstToken.index(for: ttft)] &+= 1
            ttftSumSeconds += ttft
            if let output = call.outputTokens, output >= 2 {
                // The tokens after the first share the time after the first token.
                let perToken = max(0, call.latencyMs - ttftMs) / 1000 / Double(output - 1)
                tpotBucketCounts[LatencyBuckets.timePerOutputToken.index(for: perToken)] &+= 1
                tpotSumSeconds += perToken
            }
        }
    }
}
