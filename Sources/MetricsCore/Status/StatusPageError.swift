/// The status page's figures could not be read from the database: where, and what to check.
package struct StatusPageError: Error, CustomStringConvertible, Sendable {
    package var underlying: SQLiteError

    package var description: String {
        "cannot read the last hour's calls from \(underlying.path) (does the database exist, and has serve created its tables?): \(underlying.message)"
    }
}
