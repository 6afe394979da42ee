/// One of the incident-review queries shipped in `queries/NAME.sql`: `model-exporter query NAME`
/// runs it, and the same file runs unchanged in the `sqlite3` shell (`docs/sql.md`).
///
/// Where the SQL lives at run time. `queries/*.sql` is the only place a query is written; the
/// binary carries a copy of every file in `ShippedQuery+Catalog.swift`, which is generated from
/// them (never edited by hand) and checked byte for byte against them by `ShippedQueryTests`,
/// so the build cannot ship SQL that differs from the files. Compiled in, the binary needs
/// nothing beside it: `/usr/local/bin/model-exporter` alone runs every query, and there is no
/// way for an installed binary to pick up the queries of another version. The files are also
/// installed to `/usr/local/share/model-exporter/queries/` for the shell, and
/// `model-exporter query NAME --print-sql` prints the binary's copy for the same use.
///
/// Rejected alternatives: reading the directory at run time (`../share/model-exporter/queries`
/// next to the executable, else the source tree from `#filePath`) fails for a binary copied on
/// its own, can pair a binary with another version's queries, and bakes the build machine's
/// path into release binaries; SwiftPM resources need `Bundle` (Foundation) and must live inside
/// the target's directory, not at the top of the repository where reviewers look; a build-tool
/// plugin would generate the catalog at build time but adds a plugin target and a tool build to
/// every build. The plugin is the step to take if the generated file ever becomes a nuisance.
package struct ShippedQuery: Sendable, Equatable {
    /// The file name without `.sql`: `errors-by-class`.
    package let name: String
    /// The header's `-- summary:` line.
    package let summary: String
    /// The header's `-- parameters:` line, as written: `[":since", ":until", ":agent"]`.
    package let parameters: [String]
    /// The whole file, header comment included.
    package let sql: String
    /// Every `-- key: value` line of the header comment, for the tests.
    let header: [String: String]

    init(name: String, sql: String) {
        var header: [String: String] = [:]
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            // The header is the leading block of comment lines.
            guard line.hasPrefix("--") else { break }
            let body = line.dropFirst(2).drop { $0 == " " }
            guard let colon = body.firstIndex(of: ":"),
                  !body[..<colon].isEmpty, body[..<colon].allSatisfy({ $0.isLetter || $0 == "-" }),
                  header[String(body[..<colon])] == nil
            else { continue }
            header[String(body[..<colon])] = Self.trimmed(body[body.index(after: colon)...])
        }
        self.name = name
        self.sql = sql
        self.header = header
        summary = header["summary"] ?? ""
        parameters = (header["parameters"] ?? "").split(separator: ",").map { Self.trimmed($0) }.filter { !$0.isEmpty }
    }

    /// Every shipped query, in name order.
    package static let all: [ShippedQuery] = catalog.map { ShippedQuery(name: $0.name, sql: $0.sql) }.sorted { $0.name < $1.name }

    package static func named(_ name: String) -> ShippedQuery? {
        all.first { $0.name == name }
    }

    /// True when the query reads the parameter (`":agent"`).
    package func takes(_ parameter: String) -> Bool {
        parameters.contains(parameter)
    }

    /// Up to three shipped names close to a mistyped one, closest first: within a few edits, or
    /// containing it (`errors` → `errors-by-class`).
    package static func closestNames(to name: String) -> [String] {
        let typed = name.lowercased()
        guard !typed.isEmpty else { return [] }
        let scored: [(name: String, distance: Int)] = all.compactMap { query in
            let distance = editDistance(typed, query.name)
            if distance <= max(2, typed.count / 3) || query.name.contains(typed) || typed.contains(query.name) {
                return (query.name, distance)
            }
            return nil
        }
        return scored.sorted { ($0.distance, $0.name) < ($1.distance, $1.name) }.prefix(3).map(\.name)
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    private static func trimmed(_ text: Substring) -> String {
        String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}

extension ShippedQuery {
    /// The values bound to the query's named parameters. A nil time binds NULL, which the SQL
    /// reads as its default (the last hour, until now), as when the shell leaves it unset.
    package struct Arguments: Sendable, Equatable {
        /// `:since`: start of the window, epoch seconds, inclusive.
        package var since: Double?
        /// `:until`: end of the window, epoch seconds, exclusive.
        package var until: Double?
        /// `:agent`: nil or empty for every agent.
        package var agent: String?
        /// `:request_id`.
        package var requestID: String?

        package init(since: Double? = nil, until: Double? = nil, agent: String? = nil, requestID: String? = nil) {
            self.since = since
            self.until = until
            self.agent = agent
            self.requestID = requestID
        }
    }

    /// Prepares the SQL with every parameter bound (never spliced into the text) and reads all
    /// rows. Parameters the query does not use are not bound.
    package func run(on connection: SQLiteConnection, with arguments: Arguments) throws(SQLiteError) -> QueryResult {
        let statement = try prepare(on: connection, with: arguments)
        let count = statement.columnCount
        var result = QueryResult(columns: (0..<count).map { statement.columnName($0) }, rows: [])
        while try statement.step() {
            result.rows.append((0..<count).map { statement.value($0) })
        }
        return result
    }

    /// The statement, prepared and bound. `prefix` goes before the SQL (`EXPLAIN QUERY PLAN `).
    func prepare(on connection: SQLiteConnection, with arguments: Arguments, prefix: String = "") throws(SQLiteError) -> SQLiteStatement {
        let statement = try connection.prepare(prefix + sql)
        func bind(_ name: String, _ value: Double?) {
            let index = statement.parameterIndex(name)
            guard index > 0 else { return }
            if let value { statement.bind(index, value) } else { statement.bindNull(index) }
        }
        func bind(_ name: String, _ value: String?) {
            let index = statement.parameterIndex(name)
            if index > 0 { statement.bind(index, value) }
        }
        bind(":since", arguments.since)
        bind(":until", arguments.until)
        bind(":agent", arguments.agent)
        bind(":request_id", arguments.requestID)
        return statement
    }
}
