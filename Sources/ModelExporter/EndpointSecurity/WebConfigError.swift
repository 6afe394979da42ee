/// What is wrong with a web config file, one line per problem, each naming the file and the key
/// so that the operator can go straight to it. Any problem stops `serve` before it listens.
struct WebConfigError: Error, CustomStringConvertible, Equatable {
    var path: String
    var problems: [String]

    init(path: String, _ problems: [String]) {
        self.path = path
        self.problems = problems
    }

    /// Each problem prefixed with the file: `web config /etc/model-exporter/web.yml: ...`.
    var messages: [String] {
        problems.map { "web config \(path): \($0)" }
    }

    var description: String {
        messages.joined(separator: "\n")
    }
}
