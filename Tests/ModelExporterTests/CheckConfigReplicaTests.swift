import FleetReplica
import Foundation
import Testing

@testable import ModelExporter

/// The replica settings in `check-config` and `serve`'s resolution: the password never shown,
/// a bad URL one clear problem, the instance defaulting to the host name.
struct CheckConfigReplicaTests {
    func check(_ arguments: [String]) throws -> CheckConfigCommand.Report {
        let scratch = try ScratchDirectory("model-exporter-replica-config")
        defer { scratch.remove() }
        return try CheckConfigCommand.check(arguments: ["--calllog.path", scratch.file("calls.jsonl"),
                                                        "--storage.path", scratch.file("db.sqlite")] + arguments,
                                            environment: [:])
    }

    @Test func thePasswordIsNeverShown() throws {
        let report = try check(["--replica.url", "postgres://ship:hunter2-secret@db:5432/fleet?sslmode=disable"])
        #expect(report.problems == [])
        let row = report.rows.first { $0.flag == "replica.url" }
        #expect(row?.value == "postgres://ship:***@db:5432/fleet?sslmode=disable")
        #expect(!report.text.contains("hunter2"))
    }

    @Test func aBadURLIsOneProblemThatSaysWhatAGoodOneLooksLike() throws {
        let report = try check(["--replica.url", "postgres://db/fleet"])
        #expect(report.problems.count == 1)
        #expect(report.problems.first?.contains("names no user") == true, "\(report.problems)")
        #expect(report.problems.first?.contains("postgres://USER:PASSWORD@HOST:5432/DATABASE") == true)
    }

    @Test func theInstanceDefaultsToTheHostNameAndRetentionIsInDays() throws {
        let scratch = try ScratchDirectory("model-exporter-replica-config")
        defer { scratch.remove() }
        let settings = try ExporterSettings.resolve(flags: [
            "calllog.path": scratch.file("calls.jsonl"), "storage.path": scratch.file("db.sqlite"),
            "replica.url": "postgres://ship@db/fleet", "replica.retention": "36h",
        ], environment: [:], configFile: nil)
        #expect(settings.replica?.instance == ProcessInfo.processInfo.hostName)
        #expect(settings.replica?.retentionDays == 2)
        #expect(settings.replica?.storagePath == scratch.file("db.sqlite"))
    }

    @Test func withoutAURLNothingShips() throws {
        let scratch = try ScratchDirectory("model-exporter-replica-config")
        defer { scratch.remove() }
        let settings = try ExporterSettings.resolve(flags: [
            "calllog.path": scratch.file("calls.jsonl"), "storage.path": scratch.file("db.sqlite"),
        ], environment: [:], configFile: nil)
        #expect(settings.replica == nil)
    }
}
