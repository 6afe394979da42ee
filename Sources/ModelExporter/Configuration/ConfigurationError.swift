/// A problem with the settings, worded for the operator: which setting, where it came from,
/// what is wrong and what would be right.
struct ConfigurationError: Error, CustomStringConvertible {
    var problems: [String]

    init(_ problems: [String]) {
        self.problems = problems
    }

    init(_ problem: String) {
        self.problems = [problem]
    }

    var description: String {
        problems.joined(separator: "\n")
    }
}
