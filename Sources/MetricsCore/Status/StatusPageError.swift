/// The status page's figures could not be read from the database: where, and what to check.
public struct StatusPageError: Error, CustomStringConvertible, Sendable {
    public var underlying: SQLiteError

    public var description: String {
        "cannot read the last hour's calls from \(underlying.path) (does the database exist, and has serve created its tables?): \(underlying.message)"
    }
}
