/// One request the gateway served: one accepted line of the call log.
///
/// Field meanings follow the gateway's call-log contract (README, "The input contract").
/// Defaults are applied by the parser: `variant` is `baseline` when absent, `fallback` is false,
/// `costUSD` is 0.
package struct CallRecord: Sendable, Equatable {
    /// When the request finished, in seconds since the Unix epoch (UTC).
    package var timestamp: Double
    package var requestID: String?
    package var agent: String
    /// The model asked first.
    package var model: String
    /// A/B arm, `baseline` or `finetuned` (other values are kept as written).
    package var variant: String
    /// The request got an answer in the end, possibly from the fallback model.
    package var success: Bool
    /// The first model failed and the fallback model was tried.
    package var fallback: Bool
    package var fallbackModel: String?
    /// Error class of the first attempt; nil when the first attempt succeeded.
    package var error: String?
    package var latencyMs: Double
    package var costUSD: Double
    package var inputTokens: Int64?
    package var outputTokens: Int64?
    /// The answer was streamed; nil when the gateway did not say.
    package var stream: Bool?
    /// Time from the request to the first token of a streamed answer, in milliseconds.
    package var ttftMs: Double?
    /// Input tokens served from the provider's prompt cache: a part of `inputTokens`.
    package var cachedInputTokens: Int64?
    /// Output tokens spent on reasoning: a part of `outputTokens`.
    package var reasoningTokens: Int64?
    /// The gateway's own response cache answered; no model was called.
    package var cacheHit: Bool?

    package init(
        timestamp: Double, requestID: String? = nil, agent: String, model: String,
        variant: String = "baseline", success: Bool, fallback: Bool = false,
        fallbackModel: String? = nil, error: String? = nil, latencyMs: Double,
        costUSD: Double = 0, inputTokens: Int64? = nil, outputTokens: Int64? = nil,
        stream: Bool? = nil, ttftMs: Double? = nil, cachedInputTokens: Int64? = nil,
        reasoningTokens: Int64? = nil, cacheHit: Bool? = nil
    ) {
        self.timestamp = timestamp
        self.requestID = requestID
        self.agent = agent
        self.model = model
        self.variant = variant
        self.success = success
        self.fallback = fallback
        self.fallbackModel = fallbackModel
        self.error = error
        self.latencyMs = latencyMs
        self.costUSD = costUSD
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.stream = stream
        self.ttftMs = ttftMs
        self.cachedInputTokens = cachedInputTokens
        self.reasoningTokens = reasoningTokens
        self.cacheHit = cacheHit
    }
}
