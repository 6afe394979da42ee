/// One agent's fine-tuned arm against its baseline: the figures, the tests, and the
/// recommendation with its reason, by the rule documented on ``ABReport``.
package struct AgentComparison: Sendable {
    /// A rate compared between the arms by the pooled two-proportion z-test.
    package struct RateTest: Sendable {
        /// Fine-tuned minus baseline.
        package var difference: Double
        package var z: Double
        package var pValue: Double
        /// p < α, in either direction.
        package var significant: Bool
        /// Significant, and in the direction that is worse for the fine-tuned arm.
        package var finetunedWorse: Bool
        package var finetunedBetter: Bool
    }

    /// Latency compared by the Mann–Whitney U test, and the p95s.
    package struct LatencyTest: Sendable {
        package var u: Double
        package var z: Double
        package var pValue: Double
        /// P(a fine-tuned call is slower than a baseline call), ties ½.
        package var probabilityFinetunedSlower: Double
        /// Fine-tuned p95 / baseline p95; nil when the baseline p95 is 0.
        package var p95Ratio: Double?
        package var significant: Bool
        /// Significantly slower and p95 more than 20% above the baseline's.
        package var finetunedWorse: Bool
        package var finetunedBetter: Bool
        /// True when ranked by histogram bucket (part of the window only in rollups).
        package var bucketed: Bool
    }

    package var agent: String
    package var baseline: ArmSummary
    package var finetuned: ArmSummary
    /// Both arms have at least the minimum number of requests.
    package var enoughData: Bool
    /// Latency percentiles estimated from histogram buckets (rolled-up hours in the window).
    package var latencyEstimated: Bool
    /// The tests; nil without enough data (the report does not guess).
    package var successRate: RateTest?
    package var errorRate: RateTest?
    package var fallbackRate: RateTest?
    package var latency: LatencyTest?
    /// Time to first token, compared as latency is; nil unless both arms have at least the
    /// minimum number of streamed requests (a first token is only logged for those).
    package var timeToFirstToken: LatencyTest?
    package var recommendation: Recommendation
    /// Why, in one line.
    package var reason: String
    /// Fine-tuned cost per request over the baseline's, minus 1 (0.3: 30% dearer); nil when
    /// either arm has no cost per request, infinity when only the baseline's is zero.
    package var costIncrease: Double?
    /// The share above the baseline's cost per request the fine-tuned arm may cost and still proceed.
    package var maximumCostIncrease: Double

    init(agent: String, baseline: ArmSummary, finetuned: ArmSummary, minimumSamples: Int,
         maximumCostIncrease: Double = ABReport.defaultMaximumCostIncrease) {
        self.maximumCostIncrease = maximumCostIncrease
        costIncrease = Self.costIncrease(baseline: baseline.costPerRequest, finetuned: finetuned.costPerRequest)
        self.agent = agent
        var baseline = baseline
        var finetuned = finetuned
        latencyEstimated = baseline.latency.isEstimated || finetuned.latency.isEstimated
        for (q, path) in [(0.5, \ArmSummary.p50Seconds), (0.95, \.p95Seconds), (0.99, \.p99Seconds)] {
            baseline[keyPath: path] = baseline.latency.quantile(q, comparedWith: finetuned.latency)
            finetuned[keyPath: path] = finetuned.latency.quantile(q, comparedWith: baseline.latency)
        }
        baseline.ttftP95Seconds = baseline.ttft.quantile(0.95, comparedWith: finetuned.ttft)
        finetuned.ttftP95Seconds = finetuned.ttft.quantile(0.95, comparedWith: baseline.ttft)
        self.baseline = baseline
        self.finetuned = finetuned
        enoughData = baseline.requests >= minimumSamples && finetuned.requests >= minimumSamples

        guard enoughData else {
            recommendation = .hold
            let arms = [("baseline", baseline.requests), ("fine-tuned", finetuned.requests)]
                .filter { $0.1 < minimumSamples }
                .map { "\($0.0) has \(ReportNumber.count($0.1))" }
            reason = "not enough data: \(arms.joined(separator: ", ")) requests; need at least "
                + "\(ReportNumber.count(minimumSamples)) per arm"
            return
        }

        successRate = Self.rateTest(baseline.success, finetuned.success, higherIsWorse: false)
        errorRate = Self.rateTest(baseline.error, finetuned.error, higherIsWorse: true)
        fallbackRate = Self.rateTest(baseline.fallback, finetuned.fallback, higherIsWorse: true)
        latency = Self.latencyTest(baseline.latency, finetuned.latency, p95: (baseline.p95Seconds, finetuned.p95Seconds),
                                   bucketed: latencyEstimated)
        if baseline.streamedRequests >= minimumSamples && finetuned.streamedRequests >= minimumSamples {
            timeToFirstToken = Self.latencyTest(baseline.ttft, finetuned.ttft,
                                                p95: (baseline.ttftP95Seconds, finetuned.ttftP95Seconds), bucketed: false)
        }

        var worse: [String] = []
        var better: [String] = []
        if let test = successRate {
            let text = "success rate \(ReportNumber.percent(finetuned.successRate)) vs \(ReportNumber.percent(baseline.successRate)) (\(ReportNumber.pValue(test.pValue)))"
            if test.finetunedWorse { worse.append(text) } else if test.finetunedBetter { better.append(text) }
        }
        if let test = errorRate {
            let text = "first-attempt error rate \(ReportNumber.percent(finetuned.errorRate)) vs \(ReportNumber.percent(baseline.errorRate)) (\(ReportNumber.pValue(test.pValue)))"
            if test.finetunedWorse { worse.append(text) } else if test.finetunedBetter { better.append(text) }
        }
        if let test = latency {
            let text = "latency p95 \(ReportNumber.seconds(finetuned.p95Seconds)) vs \(ReportNumber.seconds(baseline.p95Seconds)) (Mann–Whitney \(ReportNumber.pValue(test.pValue)))"
            if test.finetunedWorse { worse.append(text) } else if test.finetunedBetter { better.append(text) }
        }
        if let test = timeToFirstToken {
            let text = "time to first token p95 \(ReportNumber.seconds(finetuned.ttftP95Seconds)) vs \(ReportNumber.seconds(baseline.ttftP95Seconds)) (Mann–Whitney \(ReportNumber.pValue(test.pValue)))"
            if test.finetunedWorse { worse.append(text) } else if test.finetunedBetter { better.append(text) }
        }
        if !worse.isEmpty {
            recommendation = .rollBack
            reason = "fine-tuned significantly worse: " + worse.joined(separator: "; ")
        } else if let increase = costIncrease, increase > maximumCostIncrease {
            // Not worse, but too dear: at most hold, never proceed.
            recommendation = .hold
            reason = "fine-tuned costs \(ReportNumber.dollars(finetuned.costPerRequest)) per request against "
                + "\(ReportNumber.dollars(baseline.costPerRequest)) for the baseline (\(ReportNumber.change(increase.isFinite ? 1 + increase : nil))), "
                + "more than the allowed \(ReportNumber.share(maximumCostIncrease)) above baseline"
                + (better.isEmpty ? "" : "; significantly better: " + better.joined(separator: "; "))
        } else {
            recommendation = .proceed
            reason = "not significantly worse on success rate, first-attempt error rate, latency"
                + (timeToFirstToken == nil ? "" : " or time to first token")
                + (better.isEmpty ? "" : "; significantly better: " + better.joined(separator: "; "))
        }
    }

    /// Mann–Whitney on two samples of durations, worse only when also the p95 is more than
    /// ``ABReport/latencyTolerance`` above the baseline's (latency and time to first token alike).
    private static func latencyTest(_ baseline: LatencySample, _ finetuned: LatencySample, p95: (Double?, Double?),
                                    bucketed: Bool) -> LatencyTest? {
        baseline.mannWhitney(against: finetuned).map { test in
            let significant = test.pValue < ABReport.significanceLevel
            let ratio: Double? = if let base = p95.0, base > 0, let tuned = p95.1 { tuned / base } else { nil }
            let slower = test.probabilitySecondLarger > 0.5
            return LatencyTest(
                u: test.u, z: test.z, pValue: test.pValue, probabilityFinetunedSlower: test.probabilitySecondLarger,
                p95Ratio: ratio, significant: significant,
                finetunedWorse: significant && slower && (ratio ?? 1) > 1 + ABReport.latencyTolerance,
                finetunedBetter: significant && !slower,
                bucketed: bucketed)
        }
    }

    /// Fine-tuned over baseline cost per request, minus 1.
    static func costIncrease(baseline: Double?, finetuned: Double?) -> Double? {
        guard let baseline, let finetuned, baseline.isFinite, finetuned.isFinite else { return nil }
        if baseline > 0 { return finetuned / baseline - 1 }
        return finetuned > 0 ? .infinity : 0
    }

    private static func rateTest(_ baseline: Proportion, _ finetuned: Proportion, higherIsWorse: Bool) -> RateTest? {
        guard let test = TwoProportionZTest(baseline, finetuned) else { return nil }
        let significant = test.pValue < ABReport.significanceLevel
        let higher = test.difference > 0
        return RateTest(difference: test.difference, z: test.z, pValue: test.pValue, significant: significant,
                        finetunedWorse: significant && higher == higherIsWorse
                            && abs(test.difference) >= ABReport.minimumRateDifference,
                        finetunedBetter: significant && higher != higherIsWorse)
    }
}
