/// What the A/B report advises for one agent's fine-tuned model, and the exit code of
/// `model-exporter report` when it is the worst advice of the report.
package enum Recommendation: String, Sendable, Comparable, CaseIterable {
    /// Enough data, and the fine-tuned arm is not significantly worse on anything the rule checks.
    case proceed
    /// Not enough data to say; keep the split as it is and look again later.
    case hold
    /// The fine-tuned arm is significantly worse; send its traffic back to the baseline.
    case rollBack = "roll_back"

    /// 0 proceed, 3 hold, 4 roll back. 1 and 2 are left to usage errors and failures to read
    /// the database, so a rollout script can tell "the report says stop" from "no report".
    package var exitCode: Int32 {
        switch self {
        case .proceed: 0
        case .hold: 3
        case .rollBack: 4
        }
    }

    /// How it reads in prose: "roll back".
    package var words: String {
        switch self {
        case .proceed: "proceed"
        case .hold: "hold"
        case .rollBack: "roll back"
        }
    }

    private var severity: Int {
        switch self {
        case .proceed: 0
        case .hold: 1
        case .rollBack: 2
        }
    }

    package static func < (lhs: Recommendation, rhs: Recommendation) -> Bool {
        lhs.severity < rhs.severity
    }
}
