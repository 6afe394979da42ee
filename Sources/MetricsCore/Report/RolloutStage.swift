/// The rollout schedule of a fine-tuned model: the share of an agent's traffic it gets,
/// 10 → 25 → 50 → 100%. Given with `--rollout.current-percent`, the report names the next
/// stage of every agent whose verdict is proceed.
package enum RolloutStage: Int, Sendable, CaseIterable, Comparable {
    case tenPercent = 10
    case quarter = 25
    case half = 50
    case full = 100

    /// The stage for a percentage, nil when it is not one of the schedule's.
    package init?(percent: Int) {
        self.init(rawValue: percent)
    }

    package var percent: Int { rawValue }

    /// The stage after this one; nil at 100% (fully rolled out).
    package var next: RolloutStage? {
        switch self {
        case .tenPercent: .quarter
        case .quarter: .half
        case .half: .full
        case .full: nil
        }
    }

    /// What to do after a proceed at this stage: "next stage: 25%", or "fully rolled out".
    package var nextStepWords: String {
        next.map { "next stage: \($0.percent)%" } ?? "fully rolled out"
    }

    package static func < (lhs: RolloutStage, rhs: RolloutStage) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
