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
    }
}
