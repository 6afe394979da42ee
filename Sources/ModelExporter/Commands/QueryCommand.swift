import ArgumentParser
import FleetReplica
import Foundation
import MetricsCore

/// `model-exporter query NAME`: one of the shipped incident-review queries (`queries/*.sql`,
/// compiled in: see `ShippedQuery`) against the exporter's database, opened read-only. In WAL
/// mode a reader neither waits for the ingest nor holds it up, so this is safe while `serve`
/// runs. Every value reaches SQLite as a bound parameter; nothing is spliced into the SQL.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run a shipped incident-review query against the database, read-only (safe while serve runs).",
        discussion: """
            Times (--since, --until) are a duration back from now (90s, 30m, 1h, 7d), an RFC 3339 \
            time (2026-11-27T07:00:00Z) or epoch seconds. The window is [since, until).

            The same queries run in the sqlite3 shell: see docs/sql.md, or --print-sql.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, csv, json
    }

    @Argument(help: "The query to run (--list shows them).")
    var name: String?

    @Flag(help: "List the shipped queries with what each one shows.")
    var list = false

    @Option(help: "Start of the window: 1h, 30m, 7d back from now, an RFC 3339 time or epoch seconds.")
    var since = "1h"

    @Option(help: "End of the window, exclusive; same forms as --since, or now. (default: now)")
    var until: String?

    @Option(help: "Only this agent (queries with an agent filter).")
    var agent: String?

    @Option(name: .customLong("request-id"), help: "The request id, for request-by-id.")
    var requestID: String?

    @Option(help: "Output: table (aligned, for reading), csv (RFC 4180) or json (an array of objects).")
    var format: Format = .table

    @Option(name: .customLong("storage.path"),
            help: "The exporter's database (default: $MODEL_EXPORTER_STORAGE_PATH, else \(SettingCatalog.storagePath.defaultValue ?? "")).")
    var storagePath: String?

    @Option(name: .customLong("storage.url"),
            help: "The fleet's PostgreSQL replica instead of a local database: postgres://USER[:PASSWORD]@HOST:5432/DATABASE?sslmode=disable (the exporters' --replica.url). Every instance's rows, or --instance's.")
    var storageURL: String?

    @Option(name: .customLong("storage.password-file"), help: "With --storage.url: read the password from this file's first line (wins over one in the URL).")
    var storagePasswordFile: String?

    @Option(help: "With --storage.url: only this instance's rows (its --replica.instance).")
    var instance: String?

    @Flag(name: .customLong("print-sql"), help: "Print the query's SQL (for the sqlite3 shell; PostgreSQL's with --storage.url) instead of running it.")
    var printSQL = false

    func validate() throws {
        if list { return }
        let query = try Self.query(named: name)
        _ = try window(now: WallClock.now())
        if query.takes(":request_id"), (requestID ?? "").isEmpty, !printSQL {
            throw ValidationError("\(query.name) needs --request-id ID (from an exemplar, or from slowest-requests)")
        }
        _ = try fleet()
    }

    func run() throws {
        if list {
            Self.write(Self.listing())
            return
        }
        let query = try Self.query(named: name)
        if printSQL {
            Self.write(storageURL == nil ? query.sql : (FleetQuery.sql(for: query) ?? "") + "\n")
            return
        }
        for (given, parameter, flag) in [(agent, ":agent", "--agent"), (requestID, ":request_id", "--request-id")]
        where given != nil && !query.takes(parameter) {
            Self.note("\(query.name) has no \(parameter) parameter; \(flag) is ignored")
        }
        let (since, until) = try window(now: WallClock.now())
        let result: QueryResult
        if let fleet = try fleet() {
            do throws(FleetQueryError) {
                result = try fleet.runWaiting(query, with: .init(since: since, until: until, agent: agent, requestID: requestID))
            } catch {
                throw QueryFailure(error.description)
            }
        } else {
            result = try local(query, since: since, until: until)
        }
        switch format {
        case .table: Self.write(result.table())
        case .csv: Self.write(result.csv())
        case .json: Self.write(result.json())
        }
        if result.rows.isEmpty {
            let window = "\(RFC3339Timestamp.format(since)) and \(RFC3339Timestamp.format(until))"
            Self.note(query.takes(":since") ? "no rows between \(window); widen the window with --since (e.g. --since 7d)" : "no rows")
        }
    }

    /// The query on this exporter's own SQLite database.
    func local(_ query: ShippedQuery, since: Double, until: Double) throws -> QueryResult {
        let path = DatabaseLocation.path(flag: storagePath, environment: ProcessInfo.processInfo.environment)
        let connection = try Self.open(path)
        do {
            return try query.run(on: connection, with: .init(since: since, until: until, agent: agent, requestID: requestID))
        } catch {
            if error.message.hasPrefix("no such table") || error.message.hasPrefix("no such column") {
                throw QueryFailure("\(path) is not a model-exporter database of this version (\(error.message)): check --storage.path")
            }
            if error.code & 0xff == 8 {
                // SQLITE_READONLY: a WAL database whose exporter is stopped has no -shm file, and
                // a reader must create one, in the database's directory.
                throw QueryFailure("""
                    cannot read \(path): SQLite must create \(path)-shm while the exporter is stopped, and this \
                    user cannot write to its directory. Run as the database's owner or root, or use \
                    sqlite3 -readonly 'file:\(path)?immutable=1' while nothing writes it
                    """)
            }
            throw QueryFailure("query \(query.name) failed on \(path): \(error.message)")
        }
    }

    // MARK: Arguments

    static func query(named name: String?) throws -> ShippedQuery {
        guard let name, !name.isEmpty else {
            throw ValidationError("give a query name, or --list to see them: \(ShippedQuery.all.map(\.name).joined(separator: ", "))")
        }
        if let query = ShippedQuery.named(name) { return query }
        let close = ShippedQuery.closestNames(to: name)
        let hint = close.isEmpty ? "" : "; did you mean \(close.joined(separator: " or "))?"
        throw ValidationError("no shipped query named \"\(name)\"\(hint) (model-exporter query --list shows them all)")
    }

    /// [since, until) in epoch seconds, read with one `now` so that `--since 1h` is exactly an hour.
    func window(now: Double) throws -> (since: Double, until: Double) {
        do throws(TimeWindowError) {
            let window = try TimeWindow(since: since, until: until, now: now, example: "1h")
            return (window.since, window.until)
        } catch {
            throw ValidationError(error.description)
        }
    }

    // `instant` and `databasePath` stay here as the names the command's tests use; the logic is
    // shared with `report` in TimeWindow and DatabaseLocation.
    static func instant(_ text: String, now: Double) -> Double? {
        TimeWindow.instant(text, now: now)
    }

    static func databasePath(flag: String?, environment: [String: String]) -> String {
        DatabaseLocation.path(flag: flag, environment: environment)
    }

    static func open(_ path: String) throws -> SQLiteConnection {
        do throws(DatabaseOpeningError) {
            return try DatabaseLocation.openReadOnly(path, checkReadable: true)
        } catch {
            if case .missing = error.reason {
                throw QueryFailure("\(error.description) (under the systemd unit: --storage.path /var/lib/model-exporter/calls.sqlite, as root)")
            }
            throw QueryFailure(error.description)
        }
    }

    // MARK: Output

    static func listing() -> String {
        let width = ShippedQuery.all.map(\.name.count).max() ?? 0
        return ShippedQuery.all.map { query in
            query.name + String(repeating: " ", count: width - query.name.count + 2) + query.summary + "\n"
        }.joined()
    }

    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func note(_ text: String) {
        FileHandle.standardError.write(Data("note: \(text)\n".utf8))
    }
}

/// A query that could not run, with what to do about it. ArgumentParser prints it as
/// `Error: …` and exits 1.
struct QueryFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
