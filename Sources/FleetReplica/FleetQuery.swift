import Logging
package import MetricsCore
import NIOCore
import PostgresNIO

/// `model-exporter query NAME --storage.url postgres://…`: a shipped query run on the fleet's
/// PostgreSQL replica, over every instance's rows or one instance's (`--instance`).
///
/// The answer is a ``QueryResult`` like the SQLite path's, with the same columns and value
/// types, so that the table, CSV and JSON printed are the same and a reviewer's scripts read
/// either. The SQL is each query's PostgreSQL twin (`FleetQuery+Dialect.swift` says why there
/// are two). One connection per run, closed before returning; the query only reads.
package struct FleetQuery: Sendable {
    package var target: ReplicaTarget
    /// Only this instance's rows (its `--replica.instance`); nil for the whole fleet.
    package var instance: String?

    package init(target: ReplicaTarget, instance: String? = nil) {
        self.target = target
        self.instance = instance
    }

    /// The PostgreSQL text of a query, for `--print-sql` with `--storage.url`.
    package static func sql(for query: ShippedQuery) -> String? {
        twins[query.name]?.sql
    }

    /// The shipped queries with a PostgreSQL twin: all of them (a test holds it).
    package static var names: [String] { twins.keys.sorted() }

    package func run(_ query: ShippedQuery, with arguments: ShippedQuery.Arguments) async throws(FleetQueryError) -> QueryResult {
        guard let twin = Self.twins[query.name] else {
            throw FleetQueryError("\(query.name) has no PostgreSQL version in this build; run it on an instance's own database (--storage.path)")
        }
        var logger = Logger(label: "model-exporter.fleet-query")
        logger.logLevel = .error
        let connection: ReplicaConnection
        do {
            connection = try await ReplicaConnection.open(target, instance: instance ?? "", logger: logger)
        } catch {
            throw FleetQueryError.classify(error, target: target)
        }
        do {
            try await connection.checkInstanceShipped(instance)
            var binds = PostgresBindings()
            func append(_ value: Double?) { if let value { binds.append(value) } else { binds.appendNull() } }
            func append(_ value: String?) { if let value { binds.append(value) } else { binds.appendNull() } }
            append(arguments.since)
            append(arguments.until)
            append(arguments.agent)
            append(arguments.requestID)
            append(instance)
            let rows = try await connection.connection.query(PostgresQuery(unsafeSQL: twin.sql, binds: binds), logger: logger)
            let prefixes = Self.textPrefixColumns[query.name] ?? [:]
            var result = QueryResult(columns: twin.columns, rows: [])
            for try await row in rows {
                var values: [SQLiteValue] = []
                for cell in row {
                    values.append(try Self.value(of: cell, textPrefix: prefixes[cell.columnName]))
                }
                result.rows.append(values)
            }
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw FleetQueryError.classify(error, target: target)
        }
    }

    /// ``run(_:with:)`` for a synchronous caller (``waitingFor(_:)``).
    package func runWaiting(_ query: ShippedQuery, with arguments: ShippedQuery.Arguments) throws(FleetQueryError) -> QueryResult {
        let fleet = self
        return try waitingFor { () async throws(FleetQueryError) -> QueryResult in try await fleet.run(query, with: arguments) }
    }

    /// A PostgreSQL value as SQLite would have returned it: integers as integers, booleans as
    /// 0/1, floats as reals, bytea as a blob (or, for a text-prefix column, as the first
    /// `textPrefix` characters of its text, as `substr(CAST(x AS TEXT), 1, N)` gives).
    static func value(of cell: PostgresCell, textPrefix: Int?) throws -> SQLiteValue {
        guard let bytes = cell.bytes else { return .null }
        switch cell.dataType {
        case .int8: return .integer(try cell.decode(Int64.self))
        case .int4: return .integer(Int64(try cell.decode(Int32.self)))
        case .int2: return .integer(Int64(try cell.decode(Int16.self)))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .float8: return .real(try cell.decode(Double.self))
        case .float4: return .real(Double(try cell.decode(Float.self)))
        case .numeric: return .real(Double(try cell.decode(String.self)) ?? .nan)
        case .bytea:
            let raw = Array(bytes.readableBytesView)
            guard let textPrefix else { return .blob(raw) }
            // SQLite hands the bytes back as they are; the SQLite path decodes them as UTF-8
            // with replacement, as here. A cut inside a character was never a whole one.
            let text = String(decoding: raw, as: UTF8.self)
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: text.unicodeScalars.prefix(textPrefix))
            return .text(String(scalars))
        default: return .text(try cell.decode(String.self))
        }
    }
}
