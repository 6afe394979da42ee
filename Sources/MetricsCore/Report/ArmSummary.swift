/// One arm (baseline or fine-tuned) of one agent over the report window: raw calls plus the
/// hourly rollups of hours past raw retention.
package struct ArmSummary: Sendable {
    /// The models the arm asked first, as logged (usually one).
    package var models: [String] = []
    package var requests = 0
    /// Requests that got an answer in the end (possibly from the fallback model).
    package var successes = 0
    /// Requests whose first attempt failed (`error IS NOT NULL`).
    package var errors = 0
    package var fallbacks = 0
    package var costUSD = 0.0
    package var inputTokens = 0
    package var outputTokens = 0
    /// Of `requests`, those counted from hourly rollups rather than raw calls.
    package var rolledUpRequests = 0
    var latency = LatencySample()
    /// First-token times of the arm's streamed requests (raw calls only: rollups keep none).
    var ttft = LatencySample()

    /// Latency percentiles in seconds, set by the comparison (both arms measured alike).
    package var p50Seconds: Double?
    package var p95Seconds: Double?
    package var p99Seconds: Double?
    /// P95 time to first token in seconds, of the streamed requests with `ttft_ms`.
    package var ttftP95Seconds: Double?
    package var streamedRequests: Int { ttft.count }

    package init() {}

    var success: Proportion { Proportion(count: successes, total: requests) }
    var error: Proportion { Proportion(count: errors, total: requests) }
    var fallback: Proportion { Proportion(count: fallbacks, total: requests) }

    package var successRate: Double? { success.rate }
    package var errorRate: Double? { error.rate }
    package var fallbackRate: Double? { fallback.rate }
    /// 95% Wilson intervals.
    package var successInterval: ClosedRange<Double>? { success.wilsonInterval() }
    package var errorInterval: ClosedRange<Double>? { error.wilsonInterval() }

    package var costPerRequest: Double? {
        requests > 0 ? costUSD / Double(requests) : nil
    }

    /// Dollars per 1,000 tokens (input and output together).
    package var costPer1kTokens: Double? {
        let tokens = inputTokens + outputTokens
        return tokens > 0 ? costUSD / Double(tokens) * 1000 : nil
    }
}
