import FleetReplica
import Foundation
import MetricsCore
import Testing

/// Faults on the PostgreSQL side: the shipper backs off, says once what is wrong, never
/// crashes, and once the server is back the backlog drains with nothing lost or doubled.
@Suite(.serialized) struct ReplicaFaultTests {
    /// Every local row in PostgreSQL exactly once.
    func expectExactlyOnce(_ local: FleetFixture, _ server: LocalPostgresServer, instance: String = "gw-a") throws {
        let calls = try local.number("SELECT count(*) FROM calls")
        let rejected = try local.number("SELECT count(*) FROM rejected_lines")
        #expect(try server.number("SELECT count(*) FROM calls WHERE instance = '\(instance)'") == calls)
        #expect(try server.number("SELECT count(DISTINCT local_id) FROM calls WHERE instance = '\(instance)'") == calls)
        #expect(try server.number("SELECT count(*) FROM rejected_lines WHERE instance = '\(instance)'") == rejected)
        #expect(try server.number("SELECT count(DISTINCT local_id) FROM rejected_lines WHERE instance = '\(instance)'") == rejected)
    }

    @Test func aBacklogDrainsOncePostgreSQLIsBack() async throws {
        let server = try LocalPostgresServer()
        let local = FleetFixture(seed: 21)
        local.append(lines: 3_000)
        try local.ingest()
        let configuration = try local.configuration(server, instance: "gw-a")
        let shipper = ReplicaShipper(configuration: configuration, logger: local.logger)
        let task = Task { await shipper.run() }
        defer { task.cancel() }
        try await poll("first rows shipped") { caughtUp(shipper.metrics) }
        // PostgreSQL stopped while traffic goes on: ingest is unaffected, the shipper fails.
        try server.stop()
        local.append(lines: 7_000)
        try local.ingest()
        try await poll("the outage noticed") { !shipper.metrics.up && shipper.metrics.rowsBehind >= 0 && errors(shipper) >= 2 }
        try server.start()
        try await poll("the backlog drained") {
            let metrics = shipper.metrics
            return metrics.up && metrics.rowsBehind == 0 && (try? server.number("SELECT count(*) FROM calls")) == (try? local.number("SELECT count(*) FROM calls"))
        }
        task.cancel()
        await task.value
        try expectExactlyOnce(local, server)
    }

    @Test func postgreSQLKilledDuringABatchLosesAndDoublesNothing() async throws {
        let server = try LocalPostgresServer()
        let local = FleetFixture(seed: 22)
        local.append(lines: 60_000)
        try local.ingest()
        var configuration = try local.configuration(server, instance: "gw-a")
        configuration.batchRows = 5_000
        configuration.batchDeadline = .seconds(20)
        let shipper = ReplicaShipper(configuration: configuration, logger: local.logger)
        let task = Task { await shipper.run() }
        defer { task.cancel() }
        // Killed twice while batches are in flight.
        for round in 1...2 {
            try await poll("batches in flight (round \(round))") { shipper.metrics.batches >= Int64(round * 2) }
            try server.kill9()
            try await poll("the kill noticed (round \(round))") { !shipper.metrics.up }
            try server.start()
        }
        try await poll("the backlog drained", timeout: 180) { caughtUp(shipper.metrics) }
        task.cancel()
        await task.value
        try expectExactlyOnce(local, server)
    }

    @Test func aWrongPasswordIsOneClearMessageAndRetried() async throws {
        let server = try LocalPostgresServer()
        let local = FleetFixture(seed: 23)
        local.append(lines: 500)
        try local.ingest()
        var configuration = try local.configuration(server, instance: "gw-a")
        configuration.target = try ReplicaTarget(url: server.url(password: "wrong-password-123"))
        let shipper = ReplicaShipper(configuration: configuration, logger: local.logger)
        try await ship(shipper, timeout: 60) { ($0.errors["auth"] ?? 0) >= 3 }
        let metrics = shipper.metrics
        #expect(!metrics.up)
        #expect(metrics.lastError?.contains("refused user exporter") == true, "\(metrics.lastError ?? "")")
        #expect(metrics.lastError?.contains("wrong-password-123") == false)
        #expect(metrics.batches == 0)
        // With the right password the same rows ship.
        configuration.target = try ReplicaTarget(url: server.url)
        try await ship(ReplicaShipper(configuration: configuration, logger: local.logger), until: caughtUp)
        try expectExactlyOnce(local, server)
    }

    @Test func anUnreachableHostIsRetriedWithBackoff() async throws {
        let local = FleetFixture(seed: 24)
        local.append(lines: 100)
        try local.ingest()
        let port = try LocalPostgresServer.freePort()
        var configuration = ReplicaConfiguration(
            target: try ReplicaTarget(url: "postgres://exporter:pw@127.0.0.1:\(port)/fleet?sslmode=disable"),
            instance: "gw-a", storagePath: local.databasePath)
        configuration.backoffMinimum = .milliseconds(20)
        configuration.backoffMaximum = .milliseconds(200)
        let shipper = ReplicaShipper(configuration: configuration, logger: local.logger)
        let started = Date()
        try await ship(shipper, timeout: 60) { ($0.errors["connect"] ?? 0) >= 6 }
        // Backoff: 20 + 40 + 80 + 160 + 200 ms at least between the first and the sixth attempt.
        #expect(Date().timeIntervalSince(started) >= 0.45)
        #expect(shipper.metrics.lastError?.contains("cannot reach PostgreSQL at 127.0.0.1:\(port)") == true, "\(shipper.metrics.lastError ?? "")")
        #expect(!shipper.metrics.up)
    }

    @Test func aReplacedDatabaseUnderAnOldInstanceNameIsRefusedNotSkipped() async throws {
        let server = try LocalPostgresServer()
        let first = FleetFixture(seed: 25)
        first.append(lines: 2_000)
        try first.ingest()
        try await ship(ReplicaShipper(configuration: try first.configuration(server, instance: "gw-a"), logger: first.logger), until: caughtUp)
        // The host's database is lost and starts afresh, under the same instance name.
        let replaced = FleetFixture(seed: 26)
        replaced.append(lines: 500)
        try replaced.ingest()
        let shipper = ReplicaShipper(configuration: try replaced.configuration(server, instance: "gw-a"), logger: replaced.logger)
        try await ship(shipper, timeout: 60) { ($0.errors["conflict"] ?? 0) >= 2 }
        #expect(shipper.metrics.lastError?.contains("new --replica.instance") == true, "\(shipper.metrics.lastError ?? "")")
        #expect(try server.number("SELECT count(*) FROM calls") == first.number("SELECT count(*) FROM calls"))
    }
}
