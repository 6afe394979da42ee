/// Running totals of one model series since the database was created: what every exported
/// model counter, histogram and gauge of that series is made of.
package struct SeriesTotals: Sendable, Equatable {
    package var requestsSuccess: UInt64 = 0
    package var requestsError: UInt64 = 0
    /// First-attempt errors by error class.
    package var errorsByType: [String: UInt64] = [:]
    /// Fallbacks by the model tried next ("" when the line did not say).
    package var fallbacksByModel: [String: UInt64] = [:]
    package var costUSD: Double = 0
    package var inputTokens: UInt64 = 0
    package var outputTokens: UInt64 = 0
    /// Input tokens served from the provider's prompt cache (a part of `inputTokens`).
    package var cachedInputTokens: UInt64 = 0
    /// Output tokens spent on reasoning (a part of `outputTokens`).
    package var reasoningTokens: UInt64 = 0
    /// Requests the gateway's own response cache answered.
    package var cacheHits: UInt64 = 0
    /// Streamed requests with a first-token time, per bucket of the configured
    /// `--metrics.ttft-buckets` (default ``LatencyBuckets/timeToFirstToken``; not cumulative,
    /// the last slot is +Inf).
    package var ttftBucketCounts: [UInt64]
    package var ttftSumSeconds: Double = 0
    /// Streamed requests with ≥ 2 output tokens, per bucket of ``LatencyBuckets/timePerOutputToken``.
    package var tpotBucketCounts = Array(repeating: UInt64(0), count: LatencyBuckets.timePerOutputToken.bounds.count + 1)
    package var tpotSumSeconds: Double = 0
    /// Per-bucket (not cumulative) counts; the last slot is the +Inf bucket.
    package var latencyBucketCounts: [UInt64]
    package var latencySumSeconds: Double = 0
    /// Newest `ts` seen in the series, epoch seconds.
    package var lastTimestamp: Double = 0
    /// When the series was first stored (wall clock, epoch seconds): OpenMetrics `_created`.
    package var createdTimestamp: Double = 0

    package init(bucketCount: Int, ttftBucketCount: Int = LatencyBuckets.timeToFirstToken.bounds.count) {
        latencyBucketCounts = Array(repeating: 0, count: bucketCount + 1)
        ttftBucketCounts = Array(repeating: 0, count: ttftBucketCount + 1)
    }

    package var requests: UInt64 { requestsSuccess &+ requestsError }

    package var latencyCount: UInt64 { latencyBucketCounts.reduce(0, &+) }

    package var ttftCount: UInt64 { ttftBucketCounts.reduce(0, &+) }

    package var tpotCount: UInt64 { tpotBucketCounts.reduce(0, &+) }

    /// Folds one call in; label values already bounded by the aggregator.
    mutating func add(_ call: CallRecord, errorType: String?, fallbackModel: String?, bucket: Int,
                      ttftBuckets: LatencyBuckets = .timeToFirstToken) {
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
            ttftBucketCounts[ttftBuckets.index(for: ttft)] &+= 1
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
