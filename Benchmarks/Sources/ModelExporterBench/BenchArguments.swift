/// `--name value` pairs, nothing more: the suite is the only caller.
struct BenchArguments {
    private var values: [String: String] = [:]

    init(_ arguments: [String]) throws(BenchFailure) {
        var index = 0
        while index < arguments.count {
            let name = arguments[index]
            guard name.hasPrefix("--"), index + 1 < arguments.count else {
                throw BenchFailure("expected --name value, got \(name)")
            }
            values[String(name.dropFirst(2))] = arguments[index + 1]
            index += 2
        }
    }

    func string(_ name: String, default fallback: String? = nil) throws(BenchFailure) -> String {
        guard let value = values[name] ?? fallback else { throw BenchFailure("--\(name) is required") }
        return value
    }

    func int(_ name: String, default fallback: Int? = nil) throws(BenchFailure) -> Int {
        guard let value = Int(try string(name, default: fallback.map(String.init))) else {
            throw BenchFailure("--\(name) must be an integer")
        }
        return value
    }

    func double(_ name: String, default fallback: Double? = nil) throws(BenchFailure) -> Double {
        guard let value = Double(try string(name, default: fallback.map { "\($0)" })) else {
            throw BenchFailure("--\(name) must be a number")
        }
        return value
    }
}
