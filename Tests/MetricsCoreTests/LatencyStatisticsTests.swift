import Testing
@testable import MetricsCore

/// Mann–Whitney U, exact percentiles and bucket estimates, against hand computation and
/// scipy 1.17 (`scipy.stats.mannwhitneyu(x, y, method="asymptotic", use_continuity=True)`).
@Suite struct LatencyStatisticsTests {
    @Test func mannWhitneyOnASmallExampleWithATie() throws {
        // Baseline 1 2 3 3, fine-tuned 3 4 5. Ranks of 1 2 3 3 3 4 5: 1 2 4 4 4 6 7 (the three
        // 3s share ranks 3–5). Fine-tuned rank sum 4 + 6 + 7 = 17, U = 17 − 3·4/2 = 11 of 12
        // pairs. Mean 6; one tie group of 3: variance 4·3/12 · (8 − 24/42) = 7.428571;
        // z = (11 − 6 − ½)/√7.428571 = 1.65105; p = 2(1 − Φ(1.65105)) = 0.098729 (scipy agrees).
        let test = try #require(MannWhitneyUTest(sortedFirst: [1, 2, 3, 3], sortedSecond: [3, 4, 5]))
        #expect(test.u == 11)
        #expect(abs(test.z - 4.5 / (8 - 24.0 / 42).squareRoot()) < 1e-12)
        #expect(abs(test.pValue - 0.09872864789482493) < 1e-12)
        #expect(abs(test.probabilitySecondLarger - 11.0 / 12) < 1e-12)
    }

    @Test func mannWhitneyIsSymmetricInItsSamples() throws {
        let forward = try #require(MannWhitneyUTest(sortedFirst: [1, 2, 3, 3], sortedSecond: [3, 4, 5]))
        let backward = try #require(MannWhitneyUTest(sortedFirst: [3, 4, 5], sortedSecond: [1, 2, 3, 3]))
        #expect(backward.u == 1)
        #expect(backward.z == -forward.z)
        #expect(backward.pValue == forward.pValue)
    }

    @Test func mannWhitneyWithoutTies() throws {
        // 1 2 vs 3 4: every fine-tuned value is larger, U = 4 of 4; variance 4·5/12 = 5/3,
        // z = (4 − 2 − ½)/√(5/3) = 1.16190, p = 0.24528 (scipy agrees).
        let test = try #require(MannWhitneyUTest(sortedFirst: [1, 2], sortedSecond: [3, 4]))
        #expect(test.u == 4)
        #expect(abs(test.pValue - 0.2452781168067728) < 1e-12)
    }

    @Test func mannWhitneySeesNothingWhenEveryValueIsEqual() throws {
        let test = try #require(MannWhitneyUTest(sortedFirst: [7, 7, 7], sortedSecond: [7, 7]))
        #expect(test.pValue == 1 && test.z == 0)
        #expect(test.probabilitySecondLarger == 0.5)
        #expect(MannWhitneyUTest(sortedFirst: [], sortedSecond: [1]) == nil)
    }

    @Test func mannWhitneyOverGroupsEqualsTheExpandedSample() throws {
        // Histogram buckets as tie groups: 30/50/20 vs 10/40/50 calls in three buckets. scipy on
        // the expanded values: U(first) = 3150, so U(second) = 10,000 − 3150; p = 1.06825e-06.
        let grouped = try #require(MannWhitneyUTest(groups: [(first: 30, second: 10), (first: 50, second: 40), (first: 20, second: 50)]))
        let first = Array(repeating: 0.1, count: 30) + Array(repeating: 0.5, count: 50) + Array(repeating: 2.0, count: 20)
        let second = Array(repeating: 0.1, count: 10) + Array(repeating: 0.5, count: 40) + Array(repeating: 2.0, count: 50)
        let expanded = try #require(MannWhitneyUTest(sortedFirst: first, sortedSecond: second))
        #expect(grouped == expanded)
        #expect(grouped.u == 6850)
        #expect(abs(grouped.pValue - 1.0682539521524293e-06) < 1e-15)
    }

    @Test func nearestRankPercentiles() {
        let hundred = (1...100).map(Double.init)
        #expect(LatencySample.nearestRank(hundred, 0.5) == 50)
        #expect(LatencySample.nearestRank(hundred, 0.95) == 95)
        #expect(LatencySample.nearestRank(hundred, 0.99) == 99)
        #expect(LatencySample.nearestRank(hundred, 1) == 100)
        #expect(LatencySample.nearestRank([4, 8, 15], 0.95) == 15)
        #expect(LatencySample.nearestRank([4, 8, 15], 0) == 4)
        #expect(LatencySample.nearestRank([], 0.5) == nil)
    }

    @Test func rawSamplesGiveExactPercentilesInSeconds() {
        let sample = LatencySample(sortedMilliseconds: (1...1000).map(Double.init))
        #expect(!sample.isEstimated)
        #expect(sample.quantile(0.95) == 0.95)
        #expect(sample.quantile(0.5) == 0.5)
    }

    @Test func histogramQuantileInterpolatesWithinTheBucket() throws {
        // 100 calls: 50 up to 0.5 s, 40 in (0.5, 1], 10 in (1, +Inf). p50 is the top of the first
        // bucket; p70 is halfway through the second; p95 lies in +Inf, answered with 1 s.
        let buckets: [(upperSeconds: Double, count: Int)] = [(0.5, 50), (1, 40), (.infinity, 10)]
        #expect(LatencySample.histogramQuantile(0.5, buckets: buckets) == 0.5)
        let p70 = try #require(LatencySample.histogramQuantile(0.7, buckets: buckets))
        #expect(abs(p70 - 0.75) < 1e-12)
        #expect(LatencySample.histogramQuantile(0.95, buckets: buckets) == 1)
        #expect(LatencySample.histogramQuantile(0.5, buckets: [(1, 0), (.infinity, 0)]) == nil)
    }

    @Test func rolledUpHoursMakeTheSampleEstimatedAndRawCallsJoinTheirBuckets() throws {
        // Rolled up: 10 calls ≤ 0.5 s, 10 in (0.5, 1]. Raw: 300 ms, 800 ms and 5 s.
        let sample = LatencySample(sortedMilliseconds: [300, 800, 5000], rolledUpBuckets: [0.5: 10, 1: 10, .infinity: 0])
        #expect(sample.isEstimated)
        #expect(sample.count == 23)
        let merged = sample.mergedBuckets()
        #expect(merged.map(\.upperSeconds) == [0.5, 1, .infinity])
        #expect(merged.map(\.count) == [11, 11, 1])
        // Rank 0.5·23 = 11.5 falls just into the second bucket: 0.5 + 0.5·(0.5/11).
        let median = try #require(sample.quantile(0.5))
        let expected: Double = 0.5 + 0.5 * 0.5 / 11
        #expect(abs(median - expected) < 1e-12)
    }

    @Test func anArmWithoutRollupsIsBucketedLikeTheOtherWhenCompared() throws {
        let raw = LatencySample(sortedMilliseconds: [100, 200, 700])
        let rolled = LatencySample(rolledUpBuckets: [0.5: 3, .infinity: 1])
        // Alone, the raw arm is exact; against a rolled-up arm, both are estimated alike.
        #expect(raw.quantile(0.5) == 0.2)
        let estimated = try #require(raw.quantile(0.5, comparedWith: rolled))
        #expect(abs(estimated - 0.375) < 1e-12)  // rank 1.5 of 3, in the first bucket of 2: 0.5 · 1.5/2
        let test = try #require(raw.mannWhitney(against: rolled))
        let expected = try #require(MannWhitneyUTest(groups: [(first: 2, second: 3), (first: 1, second: 1)]))
        #expect(test == expected)
    }
}
