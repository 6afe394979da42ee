import FleetReplica
import Foundation
import MetricsCore
import Testing

/// The A/B report on the fleet's PostgreSQL: over two instances shipped into a real
/// PostgreSQL 15, the same report (markdown and JSON, recommendation and exit code) as over
/// one SQLite database holding both instances' calls, and one instance's as over its own.
@Suite(.serialized) struct FleetReportTests {
    @Test func theFleetReportIsTheReportOfBothInstancesCalls() async throws {
        let server = try LocalPostgresServer()
        let start = 1_764_000_000.0
        let a = FleetFixture(seed: 41, start: start)
        let b = FleetFixture(seed: 42, start: start + 3)
        a.append(lines: 6_000)
        b.append(lines: 5_000)
        try a.ingest()
        try b.ingest()
        let shipperA = ReplicaShipper(configuration: try a.configuration(server, instance: "gw-a"), logger: a.logger)
        let shipperB = ReplicaShipper(configuration: try b.configuration(server, instance: "gw-b"), logger: b.logger)
        async let shippedA: Void = ship(shipperA, until: caughtUp)
        async let shippedB: Void = ship(shipperB, until: caughtUp)
        _ = try await (shippedA, shippedB)

        let union = try FleetQueryTests.union(a, b)
        let localA = try SQLiteConnection(path: a.databasePath, mode: .readOnly)
        let target = try ReplicaTarget(url: server.url)
        let (since, until) = (start, start + 3600)
        for (label, instance, local) in [("fleet", nil, union), ("gw-a", "gw-a", localA)] as [(String, String?, SQLiteConnection)] {
            for agent in [nil, "legal_agent"] as [String?] {
                // A low --min-samples, so that the arms are compared and not only counted.
                let expected = try ABReport.load(from: local, since: since, until: until, agent: agent, minimumSamples: 20,
                                                 rolloutStage: .quarter)
                let fleet = try await FleetReport(target: target, instance: instance)
                    .load(since: since, until: until, agent: agent, minimumSamples: 20, rolloutStage: .quarter)
                #expect(!expected.agents.isEmpty && expected.agents.allSatisfy { $0.baseline.requests > 20 }, "\(label) \(agent ?? "all")")
                #expect(fleet.markdown() == expected.markdown(), "\(label) \(agent ?? "all")")
                #expect(String(decoding: fleet.json(), as: UTF8.self) == String(decoding: expected.json(), as: UTF8.self), "\(label) \(agent ?? "all")")
                #expect(fleet.exitCode == expected.exitCode)
            }
        }
    }
}
