import FleetReplica
import Foundation
import MetricsCore
import Testing

/// `model-exporter query` and `report` with `--storage.url`, as a reviewer runs them: the
/// built binary against a real PostgreSQL 15. Same stdout as on the local database, one
/// `Error:` line and a non-zero exit when the server cannot be used, the password never shown.
@Suite(.serialized) struct FleetCommandTests {
    @Test func queryAndReportPrintOnTheFleetWhatTheyPrintLocally() async throws {
        let server = try LocalPostgresServer()
        let start = 1_764_000_000.0
        let local = FleetFixture(seed: 51, start: start)
        local.append(lines: 3_000)
        try local.ingest()
        let shipper = ReplicaShipper(configuration: try local.configuration(server, instance: "gw-a"), logger: local.logger)
        try await ship(shipper, until: caughtUp)
        // The password from a file, as --replica.password-file gives it to serve.
        let passwordFile = local.directory + "/pg-password"
        try (server.password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let url = server.url(password: "ignored-in-favour-of-the-file")
        let window = ["--since", "\(Int(start))", "--until", "\(Int(start) + 3600)"]
        for arguments in [["query", "variant-comparison", "--format", "csv"], ["query", "slowest-requests"],
                          ["query", "requests-per-minute", "--agent", "qa_agent", "--format", "json"],
                          ["report", "--min-samples", "20"], ["report", "--format", "json", "--min-samples", "20"]] {
            let here = try Self.run(arguments + window + ["--storage.path", local.databasePath])
            let fleet = try Self.run(arguments + window + ["--storage.url", url, "--storage.password-file", passwordFile, "--instance", "gw-a"])
            #expect(here.status == fleet.status, "\(arguments): \(fleet.error)")
            #expect(!here.output.isEmpty && fleet.output == here.output, "\(arguments)")
        }
    }

    @Test func anUnusableServerIsOneErrorLineAndANonZeroExit() async throws {
        let server = try LocalPostgresServer()
        let closed = try LocalPostgresServer()
        let closedURL = closed.url
        try closed.stop()
        let cases = [
            ("wrong password", server.url(password: "pw-wrong-secret"), "refused user"),
            ("unreachable", closedURL, "cannot reach PostgreSQL"),
            ("no replica schema", server.url, "holds no model-exporter replica"),
        ]
        for (label, url, message) in cases {
            for command in [["query", "slowest-requests"], ["report"]] {
                let result = try Self.run(command + ["--storage.url", url])
                #expect(result.status != 0, "\(label) \(command)")
                #expect(result.output.isEmpty, "\(label) \(command)")
                let lines = result.error.split(separator: "\n").filter { $0.hasPrefix("Error:") }
                #expect(lines.count == 1 && lines[0].contains(message), "\(label) \(command): \(result.error)")
                #expect(!result.error.contains("pw-wrong-secret") && !result.error.contains(server.password), "\(label) \(command)")
            }
        }
    }

    /// Runs the built binary to its end; stdout and stderr are files, so neither pipe can fill.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-command-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = FileManager.default.createFile(atPath: directory + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: directory + "/err", contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServeProcess.binaryPath)
        process.arguments = arguments
        process.standardOutput = FileHandle(forWritingAtPath: directory + "/out")
        process.standardError = FileHandle(forWritingAtPath: directory + "/err")
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus,
                (try? String(contentsOfFile: directory + "/out", encoding: .utf8)) ?? "",
                (try? String(contentsOfFile: directory + "/err", encoding: .utf8)) ?? "")
    }
}
