import Foundation
import Logging
import Testing
@testable import FleetReplica

/// The PostgreSQL schema: created by the exporter, safe when several exporters start at once.
@Suite(.serialized) struct ReplicaSchemaTests {
    let logger = Logger(label: "replica-test")

    @Test func concurrentMigratorsDoNotRace() async throws {
        let server = try LocalPostgresServer()
        let target = try ReplicaTarget(url: server.url)
        let logger = self.logger
        // Six exporters starting together against an empty database.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<6 {
                group.addTask {
                    let connection = try await ReplicaConnection.open(target, instance: "gw-\(index)", logger: logger)
                    try await connection.migrate()
                    _ = try await connection.marks()
                    await connection.close()
                }
            }
            try await group.waitForAll()
        }
        #expect(try server.number("SELECT count(*) FROM schema_migrations") == Double(ReplicaSchema.migrations.count))
        #expect(try server.number("SELECT count(*) FROM replica_marks") == 12)
        // The shipped queries' indexes and the identity key are on the partitioned table.
        let indexes = Set(try server.psql("SELECT indexname FROM pg_indexes WHERE tablename = 'calls'"))
        #expect(indexes.contains("calls_ts"))
        #expect(indexes.contains("calls_agent_ts"))
        #expect(try server.number("SELECT count(*) FROM pg_partitioned_table") == 2)
    }

    @Test func aMigratedDatabaseIsLeftAsItIs() async throws {
        let server = try LocalPostgresServer()
        let target = try ReplicaTarget(url: server.url)
        for _ in 0..<2 {
            let connection = try await ReplicaConnection.open(target, instance: "gw", logger: logger)
            try await connection.migrate()
            await connection.close()
        }
        #expect(try server.number("SELECT count(*) FROM schema_migrations") == Double(ReplicaSchema.migrations.count))
    }
}

/// Day partitions: names that encode their day, and bounds that cover it.
@Suite struct ReplicaPartitionsTests {
    @Test func namesEncodeTheUTCDayAndParseBack() {
        let day = Int64(1_764_806_400 / 86400) // 2025-12-04
        #expect(ReplicaPartitions.name(.calls, day: day) == "calls_p20251204")
        #expect(ReplicaPartitions.day(ofPartition: "calls_p20251204", .calls) == day)
        #expect(ReplicaPartitions.day(ofPartition: "rejected_lines_p20251204", .calls) == nil)
        // Before 1970 (a fuzzed envoy line dated 1013 is stored, so it ships).
        let old = ReplicaPartitions.days(year: 1013, month: 3, day: 1)
        #expect(ReplicaPartitions.day(ofPartition: ReplicaPartitions.name(.calls, day: old), .calls) == old)
        for probe in [-800_000, -1, 0, 1, 20_000, 2_000_000] as [Int64] {
            let (y, m, d) = ReplicaPartitions.civil(probe)
            #expect(ReplicaPartitions.days(year: y, month: m, day: d) == probe)
        }
    }

    @Test func boundsAreTheDayInEpochSeconds() {
        #expect(ReplicaPartitions.createStatement(.rejectedLines, day: 2).hasSuffix("FOR VALUES FROM (172800) TO (259200)"))
    }
}

/// The URL: parsed as libpq reads it, never shown with its password.
@Suite struct ReplicaTargetTests {
    @Test func parsesAURLAndHidesThePassword() throws {
        let target = try ReplicaTarget(url: "postgres://ship:s%40cret@db.internal:6432/fleet?sslmode=require")
        #expect(target.host == "db.internal")
        #expect(target.port == 6432)
        #expect(target.user == "ship")
        #expect(target.password == "s@cret")
        #expect(target.database == "fleet")
        #expect(target.tls == .require)
        #expect(!target.description.contains("cret"))
        #expect(ReplicaTarget.redact("postgres://ship:s3cret@h/db") == "postgres://ship:***@h/db")
    }

    @Test func aPasswordFileWinsOverTheURL() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pw-\(UUID().uuidString)").path
        try "from-file\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try ReplicaTarget(url: "postgres://u:inline@h/db", passwordFile: path).password == "from-file")
    }

    @Test func refusesWhatIsNotAPostgresURL() {
        #expect(throws: ReplicaConfigurationError.self) { try ReplicaTarget(url: "mysql://u@h/db") }
        #expect(throws: ReplicaConfigurationError.self) { try ReplicaTarget(url: "postgres://h/db") }
        #expect(throws: ReplicaConfigurationError.self) { try ReplicaTarget(url: "postgres://u@h/db?sslmode=maybe") }
    }
}
