@testable import FleetReplica
import Foundation
import MetricsCore
import Testing

/// The shipped queries on the fleet's PostgreSQL: every query has a PostgreSQL twin, and over
/// two instances shipped into a real PostgreSQL 15 each twin prints exactly what its SQLite
/// query prints over both instances' rows.
@Suite(.serialized) struct FleetQueryTests {
    @Test func everyShippedQueryHasAPostgresTwinWithItsColumns() throws {
        #expect(FleetQuery.names == ShippedQuery.all.map(\.name))
        // Columns from SQLite's own statement, on an empty database of the current schema.
        let empty = FleetFixture(seed: 1)
        try empty.ingest()
        let connection = try SQLiteConnection(path: empty.databasePath, mode: .readOnly)
        for query in ShippedQuery.all {
            let local = try query.run(on: connection, with: .init(since: 0, until: 1, requestID: "none"))
            #expect(FleetQuery.twins[query.name]?.columns == local.columns, "\(query.name)")
        }
    }

    @Test func fleetAnswersEqualTheUnionOfTheInstancesLocalAnswers() async throws {
        let server = try LocalPostgresServer()
        let start = 1_764_000_000.0
        // Two instances over the same hour, so that every aggregate mixes both.
        let a = FleetFixture(seed: 31, start: start)
        let b = FleetFixture(seed: 32, start: start + 7)
        a.append(lines: 5_000)
        b.append(lines: 4_000)
        // The generator logs no streamed calls; a third of each log's calls become streamed
        // ones with a time to first token, for slowest-first-token.
        try Self.stream(a.logPath)
        try Self.stream(b.logPath)
        try a.ingest()
        try b.ingest()
        let shipperA = ReplicaShipper(configuration: try a.configuration(server, instance: "gw-a"), logger: a.logger)
        let shipperB = ReplicaShipper(configuration: try b.configuration(server, instance: "gw-b"), logger: b.logger)
        async let shippedA: Void = ship(shipperA, until: caughtUp)
        async let shippedB: Void = ship(shipperB, until: caughtUp)
        _ = try await (shippedA, shippedB)

        let union = try Self.union(a, b)
        let databases = [a, b].map { try? SQLiteConnection(path: $0.databasePath, mode: .readOnly) }
        let (localA, localB) = (try #require(databases[0]), try #require(databases[1]))
        let target = try ReplicaTarget(url: server.url)
        let now = Date().timeIntervalSince1970
        let requestA = try Self.firstText(localA, "SELECT request_id FROM calls WHERE request_id IS NOT NULL ORDER BY id LIMIT 1")
        let requestB = try Self.firstText(localB, "SELECT request_id FROM calls WHERE request_id IS NOT NULL ORDER BY id DESC LIMIT 1")

        for query in ShippedQuery.all {
            // rejected-lines windows by when the line was read (now), the others by ts.
            let window = query.name == "rejected-lines" ? (now - 3600, now + 3600) : (start, start + 3600)
            var cases: [(String, ShippedQuery.Arguments, String?, [SQLiteConnection])] = []
            if query.takes(":request_id") {
                for id in [requestA, requestB] {
                    let arguments = ShippedQuery.Arguments(since: window.0, until: window.1, requestID: id)
                    cases.append(("\(id), fleet", arguments, nil, [localA, localB]))
                    cases.append(("\(id), gw-b", arguments, "gw-b", [localB]))
                }
            } else {
                for agent in [nil, "legal_agent"] {
                    let arguments = ShippedQuery.Arguments(since: window.0, until: window.1, agent: agent)
                    cases.append(("agent \(agent ?? "all"), fleet", arguments, nil, [union]))
                    cases.append(("agent \(agent ?? "all"), gw-a", arguments, "gw-a", [localA]))
                }
            }
            for (label, arguments, instance, locals) in cases {
                var expected = try Self.masked(locals.map { try query.run(on: $0, with: arguments) })
                if query.takes(":request_id") {
                    // The union of per-instance answers, in the twin's order (ts, instance).
                    let ts = expected.columns.firstIndex(of: "ts")!
                    expected.rows = expected.rows.enumerated().sorted {
                        (Self.number($0.element[ts]), $0.offset) < (Self.number($1.element[ts]), $1.offset)
                    }.map(\.element)
                }
                let fleet = try await FleetQuery(target: target, instance: instance).run(query, with: arguments)
                if instance == nil { #expect(!expected.rows.isEmpty, "\(query.name) \(label): no rows to compare") }
                #expect(fleet.columns == expected.columns, "\(query.name) \(label)")
                #expect(fleet.csv() == expected.csv(), "\(query.name) \(label)")
                #expect(fleet.table() == expected.table(), "\(query.name) \(label)")
                #expect(fleet.json() == expected.json(), "\(query.name) \(label)")
            }
        }
    }

    @Test func aWrongPasswordAnUnreachableHostAndNoSchemaAreOneClearMessage() async throws {
        let server = try LocalPostgresServer()
        let query = try #require(ShippedQuery.named("slowest-requests"))
        func failure(_ url: String) async -> String {
            do {
                _ = try await FleetQuery(target: try ReplicaTarget(url: url)).run(query, with: .init(since: 0, until: 1))
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        let wrong = await failure(server.url(password: "not-the-password"))
        #expect(wrong.contains("refused user \(server.user)") && wrong.contains("--storage.password-file"), "\(wrong)")
        #expect(!wrong.contains("not-the-password") && !wrong.contains(server.password))
        // Nothing listens on a port the server just gave up.
        let closed = try LocalPostgresServer()
        let closedURL = closed.url
        try closed.stop()
        let unreachable = await failure(closedURL)
        #expect(unreachable.contains("cannot reach PostgreSQL at 127.0.0.1"), "\(unreachable)")
        let schema = await failure(server.url)
        #expect(schema.contains("holds no model-exporter replica"), "\(schema)")
        // An instance that never shipped is named as such, with the ones that did.
        let local = FleetFixture(seed: 2)
        local.append(lines: 500)
        try local.ingest()
        try await ship(ReplicaShipper(configuration: try local.configuration(server, instance: "gw-a"), logger: local.logger), until: caughtUp)
        do {
            _ = try await FleetQuery(target: try ReplicaTarget(url: server.url), instance: "gw-typo").run(query, with: .init(since: 0, until: 1))
            Issue.record("an unknown instance answered")
        } catch {
            #expect("\(error)".contains("no exporter has shipped as instance \"gw-typo\" (those here: gw-a)"), "\(error)")
        }
    }

    // MARK: - Support

    /// One SQLite database holding both instances' calls and rejected lines, a's rows first
    /// (as one exporter that had read both logs would hold them). b's source ids are moved
    /// past a's so that its rows keep their own identity; `source_path` is masked anyway.
    static func union(_ a: FleetFixture, _ b: FleetFixture) throws -> SQLiteConnection {
        let path = a.directory + "/union.sqlite"
        try? FileManager.default.removeItem(atPath: path)
        try SQLiteConnection(path: a.databasePath, mode: .readOnly).execute("VACUUM INTO '\(path)'")
        let union = try SQLiteConnection(path: path)
        try union.execute("ATTACH DATABASE '\(b.databasePath)' AS b")
        let calls = "ts, request_id, agent, model, variant, success, fallback, fallback_model, error, latency_ms, cost_usd, "
            + "input_tokens, output_tokens, source_offset, stream, ttft_ms, cached_input_tokens, reasoning_tokens, cache_hit, record_index"
        try union.execute("INSERT INTO calls (source_id, \(calls)) SELECT source_id + 1000, \(calls) FROM b.calls ORDER BY id")
        let rejected = "ingested_at, source_offset, reason, detail, line_length, excerpt, record_index"
        try union.execute("INSERT INTO rejected_lines (source_id, \(rejected)) SELECT source_id + 1000, \(rejected) FROM b.rejected_lines ORDER BY id")
        try union.execute("DETACH DATABASE b")
        return union
    }

    /// Marks every third call of the log streamed, with a time to first token.
    static func stream(_ path: String) throws {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let marked = lines.enumerated().map { index, line in
            guard index % 3 == 0, line.hasPrefix("{\"ts\":\"2") else { return String(line) }
            return "{\"stream\":true,\"ttft_ms\":\(Double(index % 997) + 0.25)," + line.dropFirst()
        }
        try marked.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// The results one after the other, with `source_path` NULL: the fleet has no `sources`
    /// table (FleetQuery+Dialect.swift).
    static func masked(_ results: [QueryResult]) throws -> QueryResult {
        var out = QueryResult(columns: results.first?.columns ?? [], rows: results.flatMap(\.rows))
        if let path = out.columns.firstIndex(of: "source_path") {
            for index in out.rows.indices { out.rows[index][path] = .null }
        }
        return out
    }

    static func firstText(_ connection: SQLiteConnection, _ sql: String) throws -> String {
        let statement = try connection.prepare(sql)
        guard try statement.step(), case .text(let text) = statement.value(0) else { throw LocalPostgresError("no row for \(sql)") }
        return text
    }

    static func number(_ value: SQLiteValue) -> Double {
        switch value {
        case .integer(let number): Double(number)
        case .real(let number): number
        default: .nan
        }
    }
}
