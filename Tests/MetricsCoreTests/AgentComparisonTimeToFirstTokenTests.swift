import Foundation
import Testing
@testable import MetricsCore

/// Time to first token in the A/B verdict, compared as latency is (Mann–Whitney, worse only
/// when the p95 is also more than 20% above the baseline's), on generated traffic ingested by
/// the real pipeline, so the report's SQL reads `stream` and `ttft_ms` from `calls`.
@Suite struct AgentComparisonTimeToFirstTokenTests {
    /// Slow answers (median 5 s), every one streamed: a first token of 0.3 s or 0.9 s never
    /// stretches the answer, so latency is alike in both arms and only the first token differs.
    static func arm(ttftMs: Double) -> CallLogGenerator.Arm {
        CallLogGenerator.Arm(errorRate: 0, medianLatencyMs: 5000, costPer1kTokens: 0.0002, streamShare: 1, medianTTFTMs: ttftMs)
    }

    static func profile(baselineTTFT: Double, finetunedTTFT: Double) -> CallLogGenerator.Profile {
        CallLogGenerator.Profile(agents: [ABReportTests.agent], baseline: arm(ttftMs: baselineTTFT),
                                 finetuned: arm(ttftMs: finetunedTTFT), finetunedShare: 0.5, fallbackRescue: 0.9)
    }

    @Test func aSlowerFirstTokenRollsBack() throws {
        let fixture = try ABReportTests.Fixture(profile: Self.profile(baselineTTFT: 300, finetunedTTFT: 900), lines: 3000)
        let qa = try #require(try fixture.report().agents.first)
        let test = try #require(qa.timeToFirstToken)
        #expect(test.finetunedWorse && (test.p95Ratio ?? 0) > 2.5, "\(test)")
        #expect(qa.latency?.finetunedWorse == false, "latency should be alike: \(qa.reason)")
        #expect(qa.recommendation == .rollBack, "\(qa.reason)")
        #expect(qa.reason.contains("time to first token p95"), "\(qa.reason)")
        #expect(qa.baseline.streamedRequests > 1000 && qa.finetuned.streamedRequests > 1000)
        let markdown = try fixture.report().markdown()
        #expect(markdown.contains("| time to first token p95 "), "\(markdown)")
    }

    @Test func aFasterFirstTokenProceedsAndIsNamed() throws {
        let fixture = try ABReportTests.Fixture(profile: Self.profile(baselineTTFT: 900, finetunedTTFT: 300), lines: 3000)
        let qa = try #require(try fixture.report().agents.first)
        #expect(qa.timeToFirstToken?.finetunedBetter == true)
        #expect(qa.recommendation == .proceed, "\(qa.reason)")
        #expect(qa.reason.contains("significantly better: time to first token"), "\(qa.reason)")
    }

    @Test func anEqualFirstTokenProceeds() throws {
        let fixture = try ABReportTests.Fixture(profile: Self.profile(baselineTTFT: 500, finetunedTTFT: 500), lines: 3000)
        let qa = try #require(try fixture.report().agents.first)
        #expect(qa.timeToFirstToken?.significant == false)
        #expect(qa.recommendation == .proceed, "\(qa.reason)")
        #expect(qa.reason.contains("or time to first token"), "\(qa.reason)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(fixture.report().json())) as? [String: Any])
        let agent = try #require((json["agents"] as? [[String: Any]])?.first)
        #expect((agent["tests"] as? [String: Any])?["time_to_first_token"] is [String: Any])
        #expect((agent["finetuned"] as? [String: Any])?["ttft_p95_seconds"] is Double)
    }

    /// Without enough streamed requests in an arm there is no TTFT test, and it does not block.
    @Test func tooFewStreamedRequestsRunNoTest() {
        var arm = ArmSummary()
        arm.requests = 1000
        arm.successes = 1000
        arm.ttft.sortedMilliseconds = Array(repeating: 300, count: 50)
        var slower = arm
        slower.ttft.sortedMilliseconds = Array(repeating: 3000, count: 50)
        let comparison = AgentComparison(agent: "qa_agent", baseline: arm, finetuned: slower, minimumSamples: 200)
        #expect(comparison.timeToFirstToken == nil)
        #expect(comparison.recommendation == .proceed, "\(comparison.reason)")
        #expect(!comparison.reason.contains("first token"), "\(comparison.reason)")
    }
}
