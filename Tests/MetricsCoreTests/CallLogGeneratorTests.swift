import Foundation
import MetricsCore
import Testing

/// The generator's lines keep the input contract's relations between the new fields, read back
/// with Foundation: cached input within input, reasoning within output, a first token no later
/// than the answer, streamed and cache-hit answers only for successes, a cache hit free.
@Suite struct CallLogGeneratorTests {
    static func lines(_ count: Int, seed: UInt64 = 3, profile: CallLogGenerator.Profile = .default) throws -> [[String: Any]] {
        var generator = CallLogGenerator(seed: seed, startTimestamp: 1_796_000_000, profile: profile)
        return try (0..<count).map { _ in
            try #require(try JSONSerialization.jsonObject(with: Data(generator.nextLine().utf8)) as? [String: Any])
        }
    }

    @Test func newFieldsKeepTheirRelations() throws {
        var streamed = 0, cacheHits = 0, cached = 0, reasoning = 0
        for line in try Self.lines(5000) {
            let input = try #require(line["input_tokens"] as? Int), output = try #require(line["output_tokens"] as? Int)
            let cachedInput = try #require(line["cached_input_tokens"] as? Int)
            let reasoningTokens = try #require(line["reasoning_tokens"] as? Int)
            let stream = try #require(line["stream"] as? Bool), cacheHit = try #require(line["cache_hit"] as? Bool)
            let success = try #require(line["success"] as? Bool)
            let latency = try #require((line["latency_ms"] as? NSNumber)?.doubleValue)
            #expect((0...input).contains(cachedInput) && (0...output).contains(reasoningTokens))
            if let ttft = (line["ttft_ms"] as? NSNumber)?.doubleValue {
                #expect(stream && ttft >= 0 && ttft <= latency, "\(line)")
            } else {
                #expect(!stream, "a streamed answer without ttft_ms: \(line)")
            }
            if stream || cacheHit { #expect(success) }
            if cacheHit {
                #expect(!stream && (line["cost_usd"] as? NSNumber)?.doubleValue == 0 && latency < 25, "\(line)")
            }
            streamed += stream ? 1 : 0
            cacheHits += cacheHit ? 1 : 0
            cached += cachedInput
            reasoning += reasoningTokens
        }
        #expect((2500...3500).contains(streamed), "\(streamed) streamed of 5000")
        #expect((80...250).contains(cacheHits), "\(cacheHits) cache hits of 5000")
        #expect(cached > 0 && reasoning > 0)
    }

    /// The fields that existed before the new ones are drawn from the same stream, so a seed's
    /// planted A/B differences stay where the report tests expect them.
    @Test func newFieldsLeaveTheRequestSequenceAlone() throws {
        for line in try Self.lines(200, seed: 9) where !(line["cache_hit"] as? Bool ?? false) {
            #expect(line["request_id"] is String && line["agent"] is String)
        }
        let a = try Self.lines(300, seed: 9).map { "\($0["request_id"]!) \($0["agent"]!) \($0["success"]!) \($0["input_tokens"]!)" }
        var noCache = CallLogGenerator.Profile.default
        noCache.cacheHitShare = 0
        let b = try Self.lines(300, seed: 9, profile: noCache).map { "\($0["request_id"]!) \($0["agent"]!) \($0["success"]!) \($0["input_tokens"]!)" }
        #expect(a == b)
    }

    @Test func anArmWithAFixedFirstTokenStretchesItsAnswers() throws {
        var profile = CallLogGenerator.Profile.demo
        profile.baseline.medianTTFTMs = 3000
        profile.baseline.streamShare = 1
        profile.finetunedShare = 0
        for line in try Self.lines(500, profile: profile) {
            guard let ttft = (line["ttft_ms"] as? NSNumber)?.doubleValue else { continue }
            let latency = try #require((line["latency_ms"] as? NSNumber)?.doubleValue)
            #expect(ttft > 2000 && latency >= ttft * 1.15 - 0.2, "\(line)")
        }
    }
}
