@testable import FleetReplica
import Foundation
import Logging
import MetricsCore
import PostgresNIO
import Testing

/// Every PostgreSQL twin reads its table through the time index, as the SQLite queries do
/// (`ShippedQueryTests` checks those with EXPLAIN QUERY PLAN): a twin that scanned every day of
/// the fleet would be correct on the test's rows and unusable on a month of a fleet's.
@Suite(.serialized) struct FleetQueryPlanTests {
    @Test func everyTwinReadsThroughTheTimeIndex() async throws {
        let server = try LocalPostgresServer()
        let start = 1_764_000_000.0
        // Two days' partitions, so that a scan of the wrong day would show.
        let a = FleetFixture(seed: 61, start: start)
        let b = FleetFixture(seed: 62, start: start + 2 * 86400)
        a.append(lines: 20_000)
        b.append(lines: 5_000)
        try a.ingest()
        try b.ingest()
        try await ship(ReplicaShipper(configuration: try a.configuration(server, instance: "gw-a"), logger: a.logger), until: caughtUp)
        try await ship(ReplicaShipper(configuration: try b.configuration(server, instance: "gw-b"), logger: b.logger), until: caughtUp)
        let logger = Logger(label: "fleet-query-plan-test")
        let connection = try await ReplicaConnection.open(try ReplicaTarget(url: server.url), instance: "", logger: logger)
        try await connection.connection.query("ANALYZE", logger: logger)
        let now = Date().timeIntervalSince1970
        for name in FleetQuery.names {
            // A minute of the first day (of ingestion, for rejected-lines).
            let window = name == "rejected-lines" ? (now - 60, now + 60) : (start + 100, start + 160)
            var binds = PostgresBindings()
            binds.append(window.0)
            binds.append(window.1)
            binds.appendNull()
            binds.append("req-none")
            binds.appendNull()
            let sql = try #require(FleetQuery.twins[name]).sql
            let rows = try await connection.connection.query(PostgresQuery(unsafeSQL: "EXPLAIN " + sql, binds: binds), logger: logger)
            var plan = ""
            for try await line in rows.decode(String.self) { plan += line + "\n" }
            #expect(!plan.contains("Seq Scan"), "\(name):\n\(plan)")
            #expect(plan.contains("Index Scan") || plan.contains("Bitmap Index Scan"), "\(name):\n\(plan)")
            if name != "rejected-lines" {
                #expect(!plan.contains("calls_p20251126"), "\(name) reads the other day's partition:\n\(plan)")
            }
        }
        await connection.close()
    }
}
