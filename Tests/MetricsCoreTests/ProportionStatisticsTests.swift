import Testing
@testable import MetricsCore

/// The rate statistics of the A/B report against values published or computed independently
/// (scipy 1.17: `scipy.stats.norm`), not against this code's own output.
@Suite struct ProportionStatisticsTests {
    @Test func wilsonIntervalForEightOfTen() throws {
        // 8/10 at 95%: 0.4902–0.9433 (the closed form evaluated in Python with z from
        // scipy.stats.norm.ppf(0.975)). Wald would give 0.552–1.048, past 1.
        let interval = try #require(Proportion(count: 8, total: 10).wilsonInterval())
        #expect(abs(interval.lowerBound - 0.4901624715366418) < 1e-12)
        #expect(abs(interval.upperBound - 0.9433178485456248) < 1e-12)
    }

    @Test func wilsonIntervalStaysInsideZeroToOneAtTheEdges() throws {
        let none = try #require(Proportion(count: 0, total: 50).wilsonInterval())
        #expect(none.lowerBound == 0)
        #expect(none.upperBound > 0.05 && none.upperBound < 0.08)  // 0.0713: zero events still leave doubt
        let all = try #require(Proportion(count: 50, total: 50).wilsonInterval())
        #expect(all.upperBound == 1)
        #expect(all.lowerBound > 0.92 && all.lowerBound < 0.95)
        #expect(Proportion(count: 0, total: 0).wilsonInterval() == nil)
        #expect(Proportion(count: 0, total: 0).rate == nil)
    }

    @Test func twoProportionZTestOnTheMammogramTrial() throws {
        // OpenIntro Statistics (§6.2.3): deaths from breast cancer, 500 of 44,925 with
        // mammograms and 505 of 44,910 without. The book, rounding p̂ first, finds z ≈ −0.17 and
        // p ≈ 0.87; unrounded, z = −0.16393 and p = 0.86978.
        let test = try #require(TwoProportionZTest(Proportion(count: 505, total: 44_910), Proportion(count: 500, total: 44_925)))
        #expect(abs(test.z - -0.1639329561578003) < 1e-9)
        #expect(abs(test.pValue - 0.8697839227860011) < 1e-9)
        #expect(test.difference < 0)
    }

    @Test func twoProportionZTestFindsAClearDifference() throws {
        // 2% vs 15% of 1,000: z = 10.54 by hand (pooled p̂ = 0.085), p far below 1e-20.
        let test = try #require(TwoProportionZTest(Proportion(count: 20, total: 1000), Proportion(count: 150, total: 1000)))
        #expect(abs(test.z - 0.13 / (0.085 * 0.915 * 0.002).squareRoot()) < 1e-9)
        #expect(test.pValue < 1e-20 && test.pValue > 0)
    }

    @Test func twoProportionZTestWithNoEventsAnywhereSeesNoDifference() throws {
        let none = try #require(TwoProportionZTest(Proportion(count: 0, total: 300), Proportion(count: 0, total: 400)))
        #expect(none.z == 0 && none.pValue == 1)
        let all = try #require(TwoProportionZTest(Proportion(count: 300, total: 300), Proportion(count: 400, total: 400)))
        #expect(all.pValue == 1)
        #expect(TwoProportionZTest(Proportion(count: 0, total: 0), Proportion(count: 1, total: 4)) == nil)
    }

    @Test(arguments: [
        (-8.0, 6.22096057427174e-16),
        (-3.0, 1.3498980316300933e-03),
        (-1.0, 0.15865525393145707),
        (0.0, 0.5),
        (1.959963984540054, 0.975),
        (3.0, 0.9986501019683699),
    ])
    func normalCDFIsAccurateIntoTheTail(x: Double, expected: Double) {
        // Relative accuracy, which is what matters for small p-values.
        #expect(abs(NormalDistribution.cdf(x) - expected) <= 1e-13 * expected)
    }

    @Test func twoSidedPValueOfTheCriticalZIsFivePercent() {
        #expect(abs(NormalDistribution.twoSidedPValue(NormalDistribution.z975) - 0.05) < 1e-15)
        #expect(abs(NormalDistribution.twoSidedPValue(-NormalDistribution.z975) - 0.05) < 1e-15)
        #expect(NormalDistribution.twoSidedPValue(0) == 1)
        // 2·Φ(−10) = 1.524e-23: erfc keeps it, 1 − Φ(10) would round to 0.
        #expect(abs(NormalDistribution.twoSidedPValue(10) - 1.523970604832094e-23) < 1e-36)
        #expect(NormalDistribution.twoSidedPValue(.nan) == 1)
    }
}
