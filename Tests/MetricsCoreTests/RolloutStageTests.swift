import Testing
@testable import MetricsCore

/// The rollout schedule 10 → 25 → 50 → 100 behind `--rollout.current-percent`.
@Suite struct RolloutStageTests {
    @Test func eachStageNamesTheNext() {
        #expect(RolloutStage(percent: 10)?.next == .quarter)
        #expect(RolloutStage(percent: 25)?.next == .half)
        #expect(RolloutStage(percent: 50)?.next == .full)
        #expect(RolloutStage(percent: 100)?.next == nil)
        #expect(RolloutStage.tenPercent.nextStepWords == "next stage: 25%")
        #expect(RolloutStage.half.nextStepWords == "next stage: 100%")
        #expect(RolloutStage.full.nextStepWords == "fully rolled out")
    }

    @Test(arguments: [0, 5, 11, 20, 75, 99, 101, -10])
    func otherPercentagesAreNoStage(percent: Int) {
        #expect(RolloutStage(percent: percent) == nil)
    }

    @Test func theScheduleIsInOrder() {
        #expect(RolloutStage.allCases.map(\.percent) == [10, 25, 50, 100])
        #expect(RolloutStage.allCases == RolloutStage.allCases.sorted())
    }
}
