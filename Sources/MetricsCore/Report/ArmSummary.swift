/// One arm (baseline or fine-tuned) of one agent over the report window: raw calls plus the
/// hourly rollups of hours past raw retention.
public struct ArmSummary: Sendable {
    /// The models the arm asked first, as logged (usually one).
    public var models: [String] = []
    public var requests = 0
    /// Requests that got an answer in the end (possibly from the fallback model).
    public var successes = 0
    /// Requests whose first attempt failed (`error IS NOT NULL`).
    public var errors = 0
    public var fallbacks = 0
    public var costUSD = 0.0
    public var inputTokens = 0
    public var outputTokens = 0
    /// Of `requests`, those counted from hourly rollups rather than raw calls.
    public var rolledUpRequests = 0
    var latency = LatencySample()

    /// Latency percentiles in seconds, set by the comparison (both arms measured alike).
    public var p50Seconds: Double?
    public var p95Seconds: Double?
    public var p99Seconds: Double?

    public init() {}

    var success: Proportion { Proportion(count: successes, total: requests) }
    var error: Proportion { Proportion(count: errors, total: requests) }
    var fallback: Proportion { Proportion(count: fallbacks, total: requests) }

    public var successRate: Double? { success.rate }
    public var errorRate: Double? { error.rate }
    public var fallbackRate: Double? { fallback.rate }
    /// 95% Wilson intervals.
    public var successInterval: ClosedRange<Double>? { success.wilsonInterval() }
    public var errorInterval: ClosedRange<Double>? { error.wilsonInterval() }

    public var costPerRequest: Double? {
        requests > 0 ? costUSD / Double(requests) : nil
    }

    /// Dollars per 1,000 tokens (input and output together).
    public var costPer1kTokens: Double? {
        let tokens = inputTokens + outputTokens
        return tokens > 0 ? costUSD / Double(tokens) * 1000 : nil
    }
}
