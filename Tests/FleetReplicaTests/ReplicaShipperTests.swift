import FleetReplica
import Foundation
import MetricsCore
import Testing

/// Shipping against a real PostgreSQL 15 started by the test: every stored row arrives once.
@Suite(.serialized) struct ReplicaShipperTests {
    @Test func shipsEveryRowOnce() async throws {
        let server = try LocalPostgresServer()
        let local = FleetFixture(seed: 3)
        local.append(lines: 25_000)
        try local.ingest()
        var configuration = try local.configuration(server, instance: "gw-a")
        configuration.batchRows = 4_000
        let shipper = ReplicaShipper(configuration: configuration, logger: local.logger)
        try await ship(shipper, until: caughtUp)

        let localCalls = try local.number("SELECT count(*) FROM calls")
        let localRejected = try local.number("SELECT count(*) FROM rejected_lines")
        #expect(localCalls > 20_000)
        #expect(localRejected > 100)
        #expect(try server.number("SELECT count(*) FROM calls WHERE instance = 'gw-a'") == localCalls)
        #expect(try server.number("SELECT count(DISTINCT local_id) FROM calls") == localCalls)
        #expect(try server.number("SELECT count(*) FROM rejected_lines WHERE instance = 'gw-a'") == localRejected)
        // The values, not only the counts: sums of every numeric column agree.
        for column in ["cost_usd", "latency_ms", "ts", "input_tokens", "output_tokens", "source_offset"] {
            let here = try local.number("SELECT sum(\(column)) FROM calls")
            let there = try server.number("SELECT sum(\(column)) FROM calls")
            #expect(abs(here - there) <= abs(here) * 1e-12, "sum(\(column)): \(here) locally, \(there) in PostgreSQL")
        }
        #expect(try server.number("SELECT count(*) FROM calls WHERE success") == local.number("SELECT count(*) FROM calls WHERE success = 1"))
        #expect(try server.number("SELECT count(*) FROM calls WHERE error IS NOT NULL") == local.number("SELECT count(*) FROM calls WHERE error IS NOT NULL"))
        #expect(try server.number("SELECT sum(length(excerpt)) FROM rejected_lines") == local.number("SELECT sum(length(excerpt)) FROM rejected_lines"))
        #expect(try server.number("SELECT shipped_through FROM replica_marks WHERE instance = 'gw-a' AND stream = 'calls'")
            == local.number("SELECT max(id) FROM calls"))
    }

    @Test func aRestartedShipperResumesFromTheMarkWithoutDoubling() async throws {
        let server = try LocalPostgresServer()
        let local = FleetFixture(seed: 5)
        local.append(lines: 6_000)
        try local.ingest()
        let configuration = try local.configuration(server, instance: "gw-a")
        try await ship(ReplicaShipper(configuration: configuration, logger: local.logger), until: caughtUp)
        // More traffic while no shipper runs, then a new shipper (a restarted exporter).
        local.append(lines: 4_000)
        try local.ingest()
        try await ship(ReplicaShipper(configuration: configuration, logger: local.logger), until: caughtUp)
        let localCalls = try local.number("SELECT count(*) FROM calls")
        #expect(try server.number("SELECT count(*) FROM calls") == localCalls)
        #expect(try server.number("SELECT count(*) FROM (SELECT local_id FROM calls GROUP BY local_id HAVING count(*) > 1) d") == 0)
        #expect(try server.number("SELECT count(*) FROM rejected_lines") == local.number("SELECT count(*) FROM rejected_lines"))
    }

    @Test func twoInstancesSumToTheFleet() async throws {
        let server = try LocalPostgresServer()
        let a = FleetFixture(seed: 11)
        let b = FleetFixture(seed: 12, start: 1_764_100_000)
        a.append(lines: 8_000)
        b.append(lines: 5_000)
        try a.ingest()
        try b.ingest()
        let shipperA = ReplicaShipper(configuration: try a.configuration(server, instance: "gw-a"), logger: a.logger)
        let shipperB = ReplicaShipper(configuration: try b.configuration(server, instance: "gw-b"), logger: b.logger)
        async let shippedA: Void = ship(shipperA, until: caughtUp)
        async let shippedB: Void = ship(shipperB, until: caughtUp)
        _ = try await (shippedA, shippedB)
        for (column, sql) in [("count", "count(*)"), ("cost", "sum(cost_usd)"), ("tokens", "sum(input_tokens)")] {
            let fleet = try server.number("SELECT \(sql) FROM calls")
            let sum = try a.number("SELECT \(sql) FROM calls") + b.number("SELECT \(sql) FROM calls")
            #expect(abs(fleet - sum) <= sum * 1e-12, "\(column): fleet \(fleet), instances \(sum)")
        }
        #expect(try server.number("SELECT count(*) FROM calls WHERE instance = 'gw-b'") == b.number("SELECT count(*) FROM calls"))
        // The agent query of incident review, over the fleet.
        let agent = "legal_agent"
        #expect(try server.number("SELECT count(*) FROM calls WHERE agent = '\(agent)'")
            == a.number("SELECT count(*) FROM calls WHERE agent = '\(agent)'") + b.number("SELECT count(*) FROM calls WHERE agent = '\(agent)'"))
    }

    @Test func retentionDropsWholeDaysPastItForEveryInstance() async throws {
        let server = try LocalPostgresServer()
        // Two days of calls a year and more ago, and the shipper keeps 30 days.
        let local = FleetFixture(seed: 7, start: WallClock.now() - 400 * 86400)
        local.append(lines: 3_000)
        try local.ingest()
        let configuration = try local.configuration(server, instance: "gw-a")
        try await ship(ReplicaShipper(configuration: configuration, logger: local.logger), until: caughtUp)
        #expect(try server.number("SELECT count(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'calls'") >= 1)
        var keeping = configuration
        keeping.retentionDays = 30
        let shipper = ReplicaShipper(configuration: keeping, logger: local.logger)
        try await ship(shipper) { _ in
            (try? server.number("SELECT count(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'calls'")) == 0
        }
        #expect(try server.number("SELECT count(*) FROM calls") == 0)
        // The marks stay: the rows are not shipped again.
        #expect(try server.number("SELECT shipped_through FROM replica_marks WHERE instance = 'gw-a' AND stream = 'calls'")
            == local.number("SELECT max(id) FROM calls"))
    }
}
