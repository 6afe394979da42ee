import Foundation
import MetricsCore
import Testing

/// A real `model-exporter serve --replica.url` killed with -9 at random moments while it ships
/// a backlog, then restarted: PostgreSQL ends with every line of the log exactly once. The
/// ground truth is the log itself (every generated line is one call or one quarantined line),
/// not the exporter's own account.
@Suite(.serialized) struct ReplicaKillTests {
    /// Other clients of the test database inside a transaction: the exporter's shipper (psql's
    /// own backend is excluded, and an idle pooled connection is not counted).
    static let openShippingTransactions = """
        SELECT count(*) FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
          AND state IN ('active', 'idle in transaction')
        """
    /// Lines of the log in PostgreSQL: each is one call or one quarantined line.
    static let shippedLines = "SELECT (SELECT count(*) FROM calls) + (SELECT count(*) FROM rejected_lines)"

    @Test func killNineDuringShippingLosesAndDoublesNothing() async throws {
        let server = try LocalPostgresServer()
        let local = FleetFixture(seed: 31)
        let lines = 120_000
        local.append(lines: lines)
        // The kill moments are random; the seed is printed so that a failure can be replayed.
        let seed = UInt64(Date().timeIntervalSince1970)
        var random = SplitMix64(seed: seed)
        let serve = ["serve", "--calllog.path", local.logPath, "--storage.path", local.databasePath,
                     "--web.listen-address", "127.0.0.1:0",
                     // The log's timestamps are in 2025: without this retention would delete the
                     // shipped rows, and the comparison with the local database below would not hold.
                     "--storage.retention", "3650d", "--storage.rollup-retention", "3650d", "--replica.url", server.url, "--replica.instance", "gw-a"]
        let kills = 3
        var figures: [String] = []
        var threshold = 0.0
        for kill in 1...kills {
            let exporter = try ServeProcess(serve, in: local.directory)
            // Kill once shipping has moved past a random point beyond the last kill's.
            threshold += Double(5_000 + Int(random.next() % 20_000))
            let target = threshold
            try await poll("shipped ≥ \(Int(target)) rows (kill \(kill))", timeout: 180) {
                guard exporter.isRunning else { throw LocalPostgresError("serve exited: \(exporter.output)") }
                return (try? server.number("SELECT count(*) FROM calls")) ?? 0 >= target
            }
            // Where in a batch the kill falls is picked by the seed and observed, not timed: right
            // after a commit was seen, or once a shipping transaction is open on the server
            // (COPY or INSERT running, or between them), the moment a lost or doubled batch
            // would come from, unless shipping has caught up with the whole log first (it can
            // outrun the poll: 10k-row batches take ~0.1 s).
            var moment = "after a commit"
            if random.next() % 2 == 1 {
                try await poll("a shipping transaction open, or the whole log shipped (kill \(kill))", timeout: 60) {
                    guard exporter.isRunning else { throw LocalPostgresError("serve exited: \(exporter.output)") }
                    if try server.number(Self.openShippingTransactions) > 0 {
                        moment = "in a shipping transaction"
                        return true
                    }
                    if try server.number(Self.shippedLines) >= Double(lines) {
                        moment = "after the whole log was shipped"
                        return true
                    }
                    return false
                }
            }
            try await exporter.kill9()
            figures.append("kill \(kill) \(moment): \(Int(try server.number("SELECT count(*) FROM calls"))) calls in PostgreSQL")
        }
        // The last run ships the rest.
        let exporter = try ServeProcess(serve, in: local.directory)
        try await poll("every line in PostgreSQL", timeout: 300) {
            guard exporter.isRunning else { throw LocalPostgresError("serve exited: \(exporter.output)") }
            let shipped = (try? server.number(Self.shippedLines)) ?? 0
            return shipped >= Double(lines)
        }
        try await exporter.kill9()
        print("replica kill -9 (seed \(seed)): " + figures.joined(separator: "; "))
        #expect(try server.number("SELECT count(*) FROM calls") + server.number("SELECT count(*) FROM rejected_lines") == Double(lines))
        #expect(try server.number("SELECT count(*) FROM (SELECT source_id, source_offset FROM calls GROUP BY 1, 2 HAVING count(*) > 1) d") == 0)
        let shippedCalls = try server.number("SELECT count(*) FROM calls")
        let localCalls = try local.number("SELECT count(*) FROM calls")
        #expect(shippedCalls == localCalls, "\(shippedCalls) calls in PostgreSQL, \(localCalls) locally")
        let shippedRejected = try server.number("SELECT count(*) FROM rejected_lines")
        let localRejected = try local.number("SELECT count(*) FROM rejected_lines")
        #expect(shippedRejected == localRejected, "\(shippedRejected) quarantined lines in PostgreSQL, \(localRejected) locally")
        // Every line's offset is there once, across both tables.
        #expect(try server.number("SELECT count(DISTINCT source_offset) FROM (SELECT source_offset FROM calls UNION ALL SELECT source_offset FROM rejected_lines) u") == Double(lines))
    }
}
