/// What went wrong in a benchmark, said plainly: the suite prints it and stops.
struct BenchFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
