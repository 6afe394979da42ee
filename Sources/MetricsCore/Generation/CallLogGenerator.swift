import Foundation

/// Deterministic synthetic gateway traffic: the same seed gives the same bytes, for tests,
/// benchmarks and the demo.
///
/// Five agents, each A/B-testing a fine-tuned model against its baseline; first-attempt errors
/// (`timeout`, `rate_limited`, `server_error`, `context_length`) of which most are rescued by a
/// fallback to the baseline model; log-normal latency with a long tail; token counts and cost.
/// With `badRate > 0` a share of lines is malformed in every way the quarantine knows.
///
/// Every line also carries the signals of streamed and cached traffic (`stream`, `ttft_ms`,
/// `cached_input_tokens` ≤ `input_tokens`, `reasoning_tokens` ≤ `output_tokens`, `cache_hit`).
/// They are drawn from a second generator seeded from the same seed, so the fields that existed
/// before them keep the values they had for a seed (tests and benchmarks planted on them stay
/// valid), except that a gateway cache hit (3% of answers) costs nothing and takes 2–20 ms.
package struct CallLogGenerator: Sendable {
    package struct Arm: Sendable, Equatable {
        /// Probability that the first attempt fails.
        package var errorRate: Double
        /// Median latency in milliseconds.
        package var medianLatencyMs: Double
        package var costPer1kTokens: Double
        /// Whether a failed first attempt goes to the fallback model; nil: the fine-tuned arm
        /// falls back to the baseline model, the baseline has nothing to fall back to.
        package var fallsBack: Bool?
        /// Share of successful requests that are streamed (and so carry `ttft_ms`).
        package var streamShare: Double
        /// Median time to first token in milliseconds; nil: a share (15–45%) of the latency.
        /// When set, the latency is stretched to at least 1.15 × the first token.
        package var medianTTFTMs: Double?
        /// The class of every first-attempt failure; nil: a mix of timeouts (30 s more),
        /// rate limits, server errors and context-length errors.
        package var errorType: String?

        package init(errorRate: Double, medianLatencyMs: Double, costPer1kTokens: Double, fallsBack: Bool? = nil,
                    streamShare: Double = 0.6, medianTTFTMs: Double? = nil, errorType: String? = nil) {
            self.errorRate = errorRate
            self.medianLatencyMs = medianLatencyMs
            self.costPer1kTokens = costPer1kTokens
            self.fallsBack = fallsBack
            self.streamShare = streamShare
            self.medianTTFTMs = medianTTFTMs
            self.errorType = errorType
        }
    }

    /// The two arms of one agent, when it differs from the profile's.
    package struct Arms: Sendable, Equatable {
        package var baseline: Arm
        package var finetuned: Arm

        package init(baseline: Arm, finetuned: Arm) {
            self.baseline = baseline
            self.finetuned = finetuned
        }
    }

    package struct Profile: Sendable, Equatable {
        package var agents: [String]
        package var baseline: Arm
        package var finetuned: Arm
        /// Share of requests sent to the fine-tuned arm.
        package var finetunedShare: Double
        /// Probability that a failed first attempt is rescued by the fallback model.
        package var fallbackRescue: Double
        /// Agents whose arms differ from `baseline` and `finetuned` (the demo's incidents).
        package var perAgent: [String: Arms] = [:]
        /// Share of requests the gateway's own response cache answers (no model call, no cost).
        package var cacheHitShare = 0.03
        /// Share of input tokens served from the provider's prompt cache, on average.
        package var cachedInputShare = 0.3
        /// Share of output tokens spent on reasoning, on average.
        package var reasoningShare = 0.15

        package static let `default` = Profile(
            agents: ["qa_agent", "content_agent", "legal_agent", "support_agent", "analyst_agent"],
            baseline: Arm(errorRate: 0.02, medianLatencyMs: 700, costPer1kTokens: 0.0002),
            finetuned: Arm(errorRate: 0.03, medianLatencyMs: 600, costPer1kTokens: 0.0003),
            finetunedShare: 0.5, fallbackRescue: 0.9)

        package init(agents: [String], baseline: Arm, finetuned: Arm, finetunedShare: Double, fallbackRescue: Double) {
            self.agents = agents
            self.baseline = baseline
            self.finetuned = finetuned
            self.finetunedShare = finetunedShare
            self.fallbackRescue = fallbackRescue
        }
    }

    package static let baselineModel = "open-mistral-7b"

    /// The fine-tuned model of an agent, in the gateway's naming.
    package static func finetunedModel(for agent: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in agent.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let suffix = String(hash & 0xffff_ffff, radix: 16)
        return "ft:open-mistral-7b:5010731d:20251031:" + String(repeating: "0", count: max(0, 8 - suffix.count)) + suffix
    }

    private var random: SplitMix64
    /// Draws the streamed/cached signals, apart from `random` (see the type comment).
    private var extras: SplitMix64
    package var profile: Profile
    package var badRate: Double
    /// Timestamp of the next line, epoch seconds.
    package var nextTimestamp: Double
    /// Simulated requests per second (spacing of timestamps).
    package var requestsPerSecond: Double
    private var sequence: UInt64 = 0

    package init(seed: UInt64, startTimestamp: Double, requestsPerSecond: Double = 50, badRate: Double = 0, profile: Profile = .default) {
        self.random = SplitMix64(seed: seed)
        self.extras = SplitMix64(seed: seed ^ 0x5157_4541_4d49_4e47)
        self.nextTimestamp = startTimestamp
        self.requestsPerSecond = requestsPerSecond
        self.badRate = badRate
        self.profile = profile
    }

    /// The next line, without its newline.
    package mutating func nextLine() -> String {
        sequence &+= 1
        let ts = nextTimestamp
        nextTimestamp += random.exponential(mean: 1 / requestsPerSecond)
        if badRate > 0 && random.unit() < badRate {
            return badLine(ts: ts)
        }
        return goodLine(ts: ts)
    }

    private mutating func goodLine(ts: Double) -> String {
        let agent = profile.agents[Int(random.next() % UInt64(profile.agents.count))]
        let finetuned = random.unit() < profile.finetunedShare
        let arms = profile.perAgent[agent] ?? Arms(baseline: profile.baseline, finetuned: profile.finetuned)
        let arm = finetuned ? arms.finetuned : arms.baseline
        let model = finetuned ? Self.finetunedModel(for: agent) : Self.baselineModel
        let failed = random.unit() < arm.errorRate
        var error: String?
        var fallback = false
        var success = true
        var latency = arm.medianLatencyMs * random.logNormal(sigma: 0.6)
        if random.unit() < 0.01 { latency *= 8 }  // the long tail: a slow provider now and then
        if failed {
            let roll = random.unit()
            error = arm.errorType
                ?? (roll < 0.4 ? "timeout" : roll < 0.7 ? "rate_limited" : roll < 0.95 ? "server_error" : "context_length")
            if error == "timeout" { latency += 30_000 }
            if arm.fallsBack ?? finetuned {
                fallback = true
                success = random.unit() < profile.fallbackRescue
                latency += arms.baseline.medianLatencyMs * random.logNormal(sigma: 0.5)
            } else {
                success = false
            }
        }
        let inputTokens = 100 + Int(random.next() % 900)
        let outputTokens = success ? 20 + Int(random.next() % 400) : 0
        var cost = Double(inputTokens + outputTokens) / 1000 * arm.costPer1kTokens
        let requestID = "req-" + String(sequence, radix: 16) + "-" + String(random.next() & 0xffff, radix: 16)

        // The signals of streamed and cached traffic, from `extras` only.
        let cacheHit = success && !fallback && extras.unit() < profile.cacheHitShare
        let stream = success && !cacheHit && extras.unit() < arm.streamShare
        var ttft: Double?
        if cacheHit {
            latency = 2 + 18 * extras.unit()  // answered from the gateway's cache: milliseconds, no model
            cost = 0
        } else if stream {
            if let median = arm.medianTTFTMs {
                let first = median * extras.logNormal(sigma: 0.1)
                latency = max(latency, first * 1.15)
                ttft = first
            } else {
                ttft = latency * (0.15 + 0.3 * extras.unit())
            }
        }
        let cachedInput = Int(Double(inputTokens) * min(1, profile.cachedInputShare * 2 * extras.unit()))
        let reasoning = Int(Double(outputTokens) * min(1, profile.reasoningShare * 2 * extras.unit()))

        var line = "{\"ts\":\"\(RFC3339Timestamp.format(ts))\",\"request_id\":\"\(requestID)\",\"agent\":\"\(agent)\""
        line += ",\"model\":\"\(model)\",\"variant\":\"\(finetuned ? "finetuned" : "baseline")\",\"success\":\(success)"
        line += ",\"fallback\":\(fallback)"
        line += fallback ? ",\"fallback_model\":\"\(Self.baselineModel)\"" : ",\"fallback_model\":null"
        line += error.map { ",\"error\":\"\($0)\"" } ?? ",\"error\":null"
        line += ",\"latency_ms\":\(Self.decimal(latency, places: 1)),\"cost_usd\":\(cost),\"input_tokens\":\(inputTokens),\"output_tokens\":\(outputTokens)"
        line += ",\"stream\":\(stream)"
        if let ttft { line += ",\"ttft_ms\":\(Self.decimal(ttft, places: 1))" }
        line += ",\"cached_input_tokens\":\(cachedInput),\"reasoning_tokens\":\(reasoning),\"cache_hit\":\(cacheHit)}"
        return line
    }

    private mutating func badLine(ts: Double) -> String {
        let good = goodLine(ts: ts)
        switch random.next() % 8 {
        case 0: return String(good.prefix(good.count / 2))                                  // invalid_json: cut short
        case 1: return good.replacingFirst("\"agent\":", with: "\"agent_name\":")           // missing_field
        case 2: return good.replacingFirst("\"success\":true", with: "\"success\":1")
            .replacingFirst("\"success\":false", with: "\"success\":0")                    // wrong_type
        case 3: return good.replacingFirst("\"latency_ms\":", with: "\"latency_ms\":-")     // invalid_value
        case 4: return good.replacingFirst("\"ts\":\"", with: "\"ts\":\"yesterday ")         // invalid_timestamp
        case 5: return ""                                                                   // empty_line
        case 6: return "not json at all " + String(random.next(), radix: 36)                // invalid_json
        default: return good.replacingFirst("\"latency_ms\":", with: "\"latency_ms\":\"slow\",\"x\":")  // wrong_type
        }
    }

    /// A fixed-point decimal, cheap and exact enough for generated latencies.
    static func decimal(_ value: Double, places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = Int64((value * scale).rounded())
        let whole = scaled / Int64(scale)
        let fraction = scaled % Int64(scale)
        var fractionText = String(fraction)
        while fractionText.count < places { fractionText = "0" + fractionText }
        return "\(whole).\(fractionText)"
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}

/// SplitMix64: a tiny, fast, well-distributed PRNG whose output depends only on the seed.
package struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    package init(seed: UInt64) {
        state = seed
    }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    package mutating func unit() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    package mutating func exponential(mean: Double) -> Double {
        -mean * log(1 - unit())
    }

    /// exp(sigma · N(0,1)), median 1.
    package mutating func logNormal(sigma: Double) -> Double {
        // Box–Muller.
        let u1 = max(unit(), 1e-300)
        let u2 = unit()
        let normal = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
        return exp(sigma * normal)
    }
}
