import Foundation
import Logging
import Testing
@testable import MetricsCore

/// The A/B report on generated traffic with the fine-tuned arm planted better, worse or
/// equal, ingested into a real SQLite file by the real pipeline and read back read-only.
@Suite struct ABReportTests {
    static let start = 1_764_000_000.0
    static let agent = "qa_agent"

    static let baselineArm = CallLogGenerator.Arm(errorRate: 0.02, medianLatencyMs: 700, costPer1kTokens: 0.0002)

    static func profile(finetuned: CallLogGenerator.Arm, agents: [String] = [agent]) -> CallLogGenerator.Profile {
        CallLogGenerator.Profile(agents: agents, baseline: baselineArm, finetuned: finetuned, finetunedShare: 0.5, fallbackRescue: 0.9)
    }

    /// A database holding `lines` generated calls from `start`, 50 per second.
    final class Fixture {
        let directory = TemporaryDirectory()
        let databasePath: String
        let store: CallStore
        var end: Double

        init(profile: CallLogGenerator.Profile, lines: Int, seed: UInt64 = 1) throws {
            let log = directory.file("calls.jsonl")
            databasePath = directory.file("calls.sqlite")
            var generator = CallLogGenerator(seed: seed, startTimestamp: ABReportTests.start, profile: profile)
            let text = (0..<lines).map { _ in generator.nextLine() + "\n" }.joined()
            _ = FileManager.default.createFile(atPath: log, contents: Data(text.utf8))
            end = generator.nextTimestamp
            store = try CallStore(path: databasePath, buckets: .default, logger: Logger(label: "test"))
            let ingestor = try CallIngestor(configuration: IngestConfiguration(calllogPath: log), store: store, logger: Logger(label: "test"))
            for _ in 0..<1000 {
                let outcome = ingestor.step()
                if outcome.caughtUp && outcome.lines == 0 { break }
            }
        }

        func report(since: Double = ABReportTests.start, until: Double? = nil, agent: String? = nil,
                    minimumSamples: Int = ABReport.defaultMinimumSamples) throws -> ABReport {
            let connection = try SQLiteConnection(path: databasePath, mode: .readOnly)
            return try ABReport.load(from: connection, since: since, until: until ?? end + 1, agent: agent, minimumSamples: minimumSamples)
        }
    }

    @Test func finetunedWithMoreFirstAttemptErrorsIsRolledBack() throws {
        let fixture = try Fixture(profile: Self.profile(finetuned: .init(errorRate: 0.15, medianLatencyMs: 700, costPer1kTokens: 0.0003)),
                                  lines: 4000)
        let report = try fixture.report()
        let qa = try #require(report.agents.first)
        #expect(report.agents.count == 1 && qa.agent == Self.agent)
        #expect(qa.enoughData)
        #expect(qa.recommendation == .rollBack)
        #expect(report.recommendation == .rollBack && report.exitCode == 4)
        let errors = try #require(qa.errorRate)
        #expect(errors.finetunedWorse && errors.pValue < 1e-10)
        #expect(qa.reason.contains("first-attempt error rate"), "\(qa.reason)")
        // Most failed first attempts are rescued by the fallback: the success rate is not what
        // gives the fine-tuned model away, the first-attempt error rate is.
        #expect(!(qa.successRate?.finetunedWorse ?? true))
        #expect(try #require(qa.finetuned.errorRate) > 0.12)
        #expect(try #require(qa.baseline.errorRate) < 0.04)
        #expect(qa.finetuned.fallbacks == qa.finetuned.errors)
        #expect(qa.baseline.requests + qa.finetuned.requests == 4000)
    }

    /// 3.1% against 3.0% errors over 600k requests per arm is "significant" (p < 0.05) but
    /// not a reason to roll back: rates must also be at least a percentage point worse.
    @Test func aSignificantButTinyRateDifferenceDoesNotRollBack() {
        func arm(errors: Int) -> ArmSummary {
            var summary = ArmSummary()
            summary.requests = 600_000
            summary.successes = 600_000
            summary.errors = errors
            summary.fallbacks = errors
            return summary
        }
        let comparison = AgentComparison(agent: "qa_agent", baseline: arm(errors: 18_000), finetuned: arm(errors: 18_700),
                                         minimumSamples: 200)
        let errors = comparison.errorRate
        #expect(errors?.significant == true)
        #expect(errors?.finetunedWorse == false)
        #expect(comparison.recommendation == .proceed, "\(comparison.reason)")
    }

    @Test func betterFinetunedProceeds() throws {
        // As dear as the baseline: a dearer arm would hold on cost (see the cost tests).
        let fixture = try Fixture(profile: Self.profile(finetuned: .init(errorRate: 0.005, medianLatencyMs: 500, costPer1kTokens: 0.0002)),
                                  lines: 4000)
        let qa = try #require(try fixture.report().agents.first)
        #expect(qa.recommendation == .proceed, "\(qa.reason)")
        #expect(qa.errorRate?.finetunedBetter == true)
        #expect(qa.latency?.finetunedBetter == true)
        #expect(qa.reason.contains("significantly better"), "\(qa.reason)")
        #expect(try #require(qa.latency?.probabilityFinetunedSlower) < 0.4)
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func equalArmsProceed(seed: UInt64) throws {
        let fixture = try Fixture(profile: Self.profile(finetuned: Self.baselineArm), lines: 3000, seed: seed)
        let report = try fixture.report()
        let qa = try #require(report.agents.first)
        #expect(qa.recommendation == .proceed, "\(qa.reason)")
        #expect(report.exitCode == 0)
        #expect(!(qa.errorRate?.finetunedWorse ?? true) && !(qa.latency?.finetunedWorse ?? true))
    }

    @Test func aTinySampleHoldsWithNotEnoughData() throws {
        // 150 calls: about 75 per arm, under the minimum of 200. Even a planted 15% error rate
        // is not acted on: the report does not guess.
        let fixture = try Fixture(profile: Self.profile(finetuned: .init(errorRate: 0.15, medianLatencyMs: 700, costPer1kTokens: 0.0003)),
                                  lines: 150)
        let report = try fixture.report()
        let qa = try #require(report.agents.first)
        #expect(!qa.enoughData)
        #expect(qa.recommendation == .hold && report.exitCode == 3)
        #expect(qa.reason.hasPrefix("not enough data"), "\(qa.reason)")
        #expect(qa.errorRate == nil && qa.successRate == nil && qa.latency == nil)
        #expect(report.markdown().contains("Not enough data: no test was run."))
    }

    @Test func theMinimumSampleSizeIsAFlag() throws {
        let fixture = try Fixture(profile: Self.profile(finetuned: .init(errorRate: 0.15, medianLatencyMs: 700, costPer1kTokens: 0.0003)),
                                  lines: 1000)
        #expect(try fixture.report(minimumSamples: 200).recommendation == .rollBack)
        #expect(try fixture.report(minimumSamples: 1000).recommendation == .hold)
    }

    @Test func muchSlowerFinetunedIsRolledBackOnLatency() throws {
        let fixture = try Fixture(profile: Self.profile(finetuned: .init(errorRate: 0.02, medianLatencyMs: 1200, costPer1kTokens: 0.0002)),
                                  lines: 3000)
        let qa = try #require(try fixture.report().agents.first)
        #expect(qa.recommendation == .rollBack)
        let latency = try #require(qa.latency)
        #expect(latency.finetunedWorse && latency.pValue < 1e-10)
        #expect(try #require(latency.p95Ratio) > 1.2)
        #expect(qa.reason.contains("latency p95"), "\(qa.reason)")
    }

    @Test func slightlySlowerFinetunedWithinTwentyPercentProceeds() throws {
        // 10% slower on every call: significant with 20,000 calls, but the p95 is within 20%
        // of the baseline's, which the rule tolerates. Nothing streamed on the fine-tuned arm, so
        // no first-token test: its rescued timeouts (streamed after a 30 s first attempt) would
        // put its TTFT p95 above the baseline's, whose failures are not streamed, and this test
        // is about latency (AgentComparisonTimeToFirstTokenTests has the TTFT rule).
        let fixture = try Fixture(profile: Self.profile(finetuned: .init(errorRate: 0.02, medianLatencyMs: 770, costPer1kTokens: 0.0002,
                                                                         streamShare: 0)),
                                  lines: 20_000)
        let qa = try #require(try fixture.report().agents.first)
        let latency = try #require(qa.latency)
        #expect(latency.significant && latency.probabilityFinetunedSlower > 0.5)
        #expect(try #require(latency.p95Ratio) < 1.2)
        #expect(!latency.finetunedWorse)
        #expect(qa.recommendation == .proceed, "\(qa.reason)")
    }

    @Test func theWorstAgentDecidesTheExitCode() throws {
        // Two agents share the profile, so plant the difference by agent: a second database
        // would not do, the report reads one. Both arms worse for everyone → both roll back;
        // then one agent alone through --agent.
        let fixture = try Fixture(
            profile: Self.profile(finetuned: .init(errorRate: 0.15, medianLatencyMs: 700, costPer1kTokens: 0.0003),
                                  agents: ["qa_agent", "legal_agent"]),
            lines: 4000)
        let report = try fixture.report()
        #expect(report.agents.map(\.agent) == ["legal_agent", "qa_agent"])
        #expect(report.agents.allSatisfy { $0.recommendation == .rollBack })
        let one = try fixture.report(agent: "legal_agent")
        #expect(one.agents.map(\.agent) == ["legal_agent"])
        #expect(one.exitCode == 4)
    }

    @Test func anAgentWithoutCallsHolds() throws {
        let fixture = try Fixture(profile: Self.profile(finetuned: Self.baselineArm), lines: 500)
        let report = try fixture.report(agent: "no_such_agent")
        #expect(report.agents.count == 1)
        #expect(report.agents[0].recommendation == .hold)
        #expect(report.agents[0].baseline.requests == 0 && report.agents[0].finetuned.requests == 0)
        #expect(report.exitCode == 3)
    }

    @Test func aWindowWithoutCallsHolds() throws {
        let fixture = try Fixture(profile: Self.profile(finetuned: Self.baselineArm), lines: 500)
        let report = try fixture.report(since: Self.start - 7200, until: Self.start - 3600)
        #expect(report.agents.isEmpty)
        #expect(report.recommendation == .hold)
        #expect(report.emptyReason == "no calls in the window")
        #expect(report.markdown().contains("**Recommendation: hold** (exit 3): no calls in the window"))
    }

    @Test func theWindowIsHalfOpenOnTimestamps() throws {
        let fixture = try Fixture(profile: Self.profile(finetuned: Self.baselineArm), lines: 1000)
        let connection = try SQLiteConnection(path: fixture.databasePath, mode: .readOnly)
        let middle = try connection.prepare("SELECT ts FROM calls ORDER BY ts LIMIT 1 OFFSET 400")
        _ = try middle.step()
        let cut = middle.double(0)
        middle.reset()
        let before = try fixture.report(until: cut).agents[0]
        let after = try fixture.report(since: cut).agents[0]
        #expect(before.baseline.requests + before.finetuned.requests == 400)
        #expect(after.baseline.requests + after.finetuned.requests == 600)
    }

    @Test func hoursPastRetentionAreCountedFromRollupsWithEstimatedLatency() throws {
        let fixture = try Fixture(profile: Self.profile(finetuned: .init(errorRate: 0.15, medianLatencyMs: 700, costPer1kTokens: 0.0003)),
                                  lines: 6000)
        let raw = try fixture.report(since: 0)
        // Roll everything up: retention of one second, as if a month had passed.
        var removed = 0
        repeat {
            removed = try fixture.store.applyRetention(RetentionPolicy(raw: 1, rollups: 1e9), now: fixture.end + 10)
        } while removed > 0
        let rolled = try fixture.report(since: 0)
        let a = raw.agents[0], b = rolled.agents[0]
        #expect(a.baseline.rolledUpRequests == 0 && !a.latencyEstimated)
        #expect(b.baseline.rolledUpRequests == b.baseline.requests && b.latencyEstimated)
        for (x, y) in [(a.baseline, b.baseline), (a.finetuned, b.finetuned)] {
            #expect(x.requests == y.requests && x.successes == y.successes && x.errors == y.errors && x.fallbacks == y.fallbacks)
            #expect(x.inputTokens == y.inputTokens && x.outputTokens == y.outputTokens)
            #expect(abs(x.costUSD - y.costUSD) < 1e-9)
            // The estimate lands in the bucket of the exact value: within (0.5, 1] s for a p50 of ~0.7 s.
            #expect(try #require(y.p50Seconds) > 0.5 && #require(y.p50Seconds) <= 1)
        }
        #expect(b.recommendation == .rollBack)
        #expect(try #require(b.latency).bucketed)
        #expect(rolled.markdown().contains("Estimated from histogram buckets"))
    }

    @Test func jsonCarriesEveryFigureAndTheExitCode() throws {
        let fixture = try Fixture(profile: Self.profile(finetuned: .init(errorRate: 0.15, medianLatencyMs: 700, costPer1kTokens: 0.0003)),
                                  lines: 4000)
        let report = try fixture.report()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json())) as? [String: Any])
        #expect(object["recommendation"] as? String == "roll_back")
        #expect(object["exit_code"] as? Int == 4)
        #expect(object["minimum_samples"] as? Int == 200)
        let agents = try #require(object["agents"] as? [[String: Any]])
        let qa = try #require(agents.first)
        #expect(qa["agent"] as? String == Self.agent)
        let finetuned = try #require(qa["finetuned"] as? [String: Any])
        for key in ["requests", "success_rate", "success_rate_interval", "first_attempt_error_rate", "first_attempt_error_rate_interval",
                    "fallback_rate", "latency_p50_seconds", "latency_p95_seconds", "latency_p99_seconds", "cost_per_request_usd",
                    "cost_per_1k_tokens_usd", "models"] {
            #expect(finetuned[key] != nil, "finetuned.\(key) is missing")
        }
        #expect((finetuned["models"] as? [String]) == [CallLogGenerator.finetunedModel(for: Self.agent)])
        let tests = try #require(qa["tests"] as? [String: Any])
        let errors = try #require(tests["first_attempt_error_rate"] as? [String: Any])
        #expect(errors["finetuned_worse"] as? Bool == true)
        #expect(tests["latency"] is [String: Any])
    }

    @Test func markdownHasASummaryAndASectionPerAgent() throws {
        let fixture = try Fixture(profile: Self.profile(finetuned: .init(errorRate: 0.15, medianLatencyMs: 700, costPer1kTokens: 0.0003)),
                                  lines: 4000)
        let text = try fixture.report().markdown()
        #expect(text.contains("**Recommendation: roll back** (exit 4)"))
        #expect(text.contains("| qa_agent | roll back      | fine-tuned significantly worse: first-attempt error rate"), "\(text)")
        #expect(text.contains("## qa_agent: roll back"))
        for row in ["| requests ", "| success rate ", "| first-attempt error rate ", "| fallback rate ", "| latency p95 ",
                    "| cost per request ", "| cost per 1k tokens "] {
            #expect(text.contains(row), "missing row \(row)")
        }
        // Every line of a table is as wide as the others, so it lines up in a terminal.
        let section = try #require(text.components(separatedBy: "## qa_agent").last)
        let widths = Set(section.split(separator: "\n").filter { $0.hasPrefix("|") }.map(\.count))
        #expect(widths.count == 1, "\(section)")
    }

    @Test func hostileNamesCannotBreakTheMarkdown() {
        var arm = ArmSummary()
        arm.models = ["m|x<script>"]
        let comparison = AgentComparison(agent: "a|b\n<img>", baseline: arm, finetuned: arm, minimumSamples: 200)
        let report = ABReport(since: 0, until: 1, minimumSamples: 200, agentFilter: nil, agents: [comparison])
        let text = report.markdown()
        #expect(text.contains("## a\\|b &lt;img>: hold"))
        #expect(text.contains("m\\|x&lt;script>"))
    }

    // MARK: Cost per request

    /// Two arms alike in everything but cost: 1,000 requests, all successful, no errors.
    static func costComparison(baselineCost: Double, finetunedCost: Double,
                               maximumCostIncrease: Double = ABReport.defaultMaximumCostIncrease) -> AgentComparison {
        func arm(cost: Double) -> ArmSummary {
            var summary = ArmSummary()
            summary.requests = 1000
            summary.successes = 1000
            summary.costUSD = cost
            return summary
        }
        return AgentComparison(agent: "qa_agent", baseline: arm(cost: baselineCost), finetuned: arm(cost: finetunedCost),
                               minimumSamples: 200, maximumCostIncrease: maximumCostIncrease)
    }

    @Test func aFinetunedArmThirtyPercentDearerHoldsOnCost() {
        let comparison = Self.costComparison(baselineCost: 1.0, finetunedCost: 1.3)
        #expect(comparison.enoughData)
        #expect(abs((comparison.costIncrease ?? 0) - 0.3) < 1e-9)
        #expect(comparison.recommendation == .hold, "\(comparison.reason)")
        // Both costs per request and the allowed share.
        #expect(comparison.reason.contains("$0.001300"), "\(comparison.reason)")
        #expect(comparison.reason.contains("$0.001000"), "\(comparison.reason)")
        #expect(comparison.reason.contains("+30.0%"), "\(comparison.reason)")
        #expect(comparison.reason.contains("20%"), "\(comparison.reason)")
        let report = ABReport(since: 0, until: 1, minimumSamples: 200, agentFilter: nil, agents: [comparison])
        #expect(report.exitCode == 3)
    }

    @Test func aFinetunedArmTenPercentDearerStillProceeds() {
        let comparison = Self.costComparison(baselineCost: 1.0, finetunedCost: 1.1)
        #expect(comparison.recommendation == .proceed, "\(comparison.reason)")
        #expect(!comparison.reason.contains("cost"), "\(comparison.reason)")
    }

    @Test func theCostShareIsConfigurable() {
        #expect(Self.costComparison(baselineCost: 1.0, finetunedCost: 1.3, maximumCostIncrease: 0.5).recommendation == .proceed)
        #expect(Self.costComparison(baselineCost: 1.0, finetunedCost: 1.1, maximumCostIncrease: 0.05).recommendation == .hold)
        // A free baseline and a paid fine-tuned arm is infinitely dearer.
        #expect(Self.costComparison(baselineCost: 0, finetunedCost: 0.1).recommendation == .hold)
        #expect(Self.costComparison(baselineCost: 0, finetunedCost: 0).recommendation == .proceed)
    }

    @Test func aCostHoldNeverHidesARollBack() throws {
        let fixture = try Fixture(profile: Self.profile(finetuned: .init(errorRate: 0.15, medianLatencyMs: 700, costPer1kTokens: 0.0003)),
                                  lines: 4000)
        let qa = try #require(try fixture.report().agents.first)
        #expect(try #require(qa.costIncrease) > 0.3)
        #expect(qa.recommendation == .rollBack, "\(qa.reason)")
    }

    @Test func dearerGeneratedTrafficHoldsAndShowsCostPerRequest() throws {
        let fixture = try Fixture(profile: Self.profile(finetuned: .init(errorRate: 0.02, medianLatencyMs: 700, costPer1kTokens: 0.00026)),
                                  lines: 3000)
        let report = try fixture.report()
        let qa = try #require(report.agents.first)
        #expect(qa.recommendation == .hold, "\(qa.reason)")
        #expect(qa.reason.hasPrefix("fine-tuned costs $"), "\(qa.reason)")
        let text = report.markdown()
        #expect(text.contains("| cost per request "))
        #expect(text.contains("at most 20% dearer per request"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json())) as? [String: Any])
        #expect(object["max_cost_increase"] as? Double == 0.2)
        let agent = try #require((object["agents"] as? [[String: Any]])?.first)
        let baseline = try #require(agent["baseline"] as? [String: Any])
        let finetuned = try #require(agent["finetuned"] as? [String: Any])
        let b = try #require(baseline["cost_per_request_usd"] as? Double)
        let f = try #require(finetuned["cost_per_request_usd"] as? Double)
        #expect(f > b * 1.2)
        #expect(try #require(agent["cost_increase"] as? Double) > 0.2)
        #expect(agent["rollout"] == nil)
    }

    // MARK: Rollout stages

    @Test func aProceedNamesTheNextStageInMarkdownAndJSON() throws {
        let comparison = Self.costComparison(baselineCost: 1.0, finetunedCost: 1.0)
        let report = ABReport(since: 0, until: 1, minimumSamples: 200, agentFilter: nil, agents: [comparison], rolloutStage: .quarter)
        let text = report.markdown()
        #expect(text.contains("Rollout: at 25%, next stage 50% of traffic to the fine-tuned model."), "\(text)")
        #expect(text.contains("next stage: 50%"), "\(text)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json())) as? [String: Any])
        #expect(object["rollout_current_percent"] as? Int == 25)
        let rollout = try #require((object["agents"] as? [[String: Any]])?.first?["rollout"] as? [String: Any])
        #expect(rollout["current_percent"] as? Int == 25)
        #expect(rollout["next_percent"] as? Int == 50)
        #expect(rollout["fully_rolled_out"] as? Bool == false)

        let full = ABReport(since: 0, until: 1, minimumSamples: 200, agentFilter: nil, agents: [comparison], rolloutStage: .full)
        #expect(full.markdown().contains("fully rolled out"))
        let fullObject = try #require(try JSONSerialization.jsonObject(with: Data(full.json())) as? [String: Any])
        let fullRollout = try #require((fullObject["agents"] as? [[String: Any]])?.first?["rollout"] as? [String: Any])
        #expect(fullRollout["next_percent"] is NSNull)
        #expect(fullRollout["fully_rolled_out"] as? Bool == true)
    }

    @Test func noStageWithoutTheFlagOrWithoutAProceed() throws {
        let proceed = Self.costComparison(baselineCost: 1.0, finetunedCost: 1.0)
        let unstaged = ABReport(since: 0, until: 1, minimumSamples: 200, agentFilter: nil, agents: [proceed])
        #expect(!unstaged.markdown().contains("Rollout"))
        #expect(!unstaged.markdown().contains("stage"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(unstaged.json())) as? [String: Any])
        #expect(object["rollout_current_percent"] == nil)
        #expect((object["agents"] as? [[String: Any]])?.first?["rollout"] == nil)

        let hold = Self.costComparison(baselineCost: 1.0, finetunedCost: 1.3)
        let staged = ABReport(since: 0, until: 1, minimumSamples: 200, agentFilter: nil, agents: [hold], rolloutStage: .tenPercent)
        #expect(staged.rolloutStage(for: hold) == nil)
        #expect(!staged.markdown().contains("next stage"))
        let heldObject = try #require(try JSONSerialization.jsonObject(with: Data(staged.json())) as? [String: Any])
        #expect((heldObject["agents"] as? [[String: Any]])?.first?["rollout"] == nil)
    }
}
