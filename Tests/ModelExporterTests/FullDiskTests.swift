import Foundation
import Glibc
import Testing

/// A full disk, for real: the database lives on a 40 MiB tmpfs that the test mounts (root
/// only; CI runs as root), the log outside it. While commits fail, /metrics and /health must
/// show exactly what the database holds; once space comes back, every line is stored once.
///
/// Before the fix, /metrics showed 60,000 accepted lines while 50,000 rows were committed.
@Suite(.serialized, .enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
struct FullDiskTests {
    @Test
    func aFullDiskShowsOnlyCommittedStateAndLosesNothing() async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let mountPoint = dir.file("small-disk")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        try Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=40m", "tmpfs", mountPoint])
        defer { try? Self.run("/bin/umount", ["-l", mountPoint]) }
        // Space to give back later: the disk fills while this file takes 37 MiB of its 40 (the WAL alone may grow to 16 MiB).
        let filler = mountPoint + "/filler"
        try Data(repeating: 0, count: 37 << 20).write(to: URL(fileURLWithPath: filler))

        let log = dir.file("calls.jsonl")
        let lines = 30_000
        let generated = try await ExporterProcess.run(
            ["generate", "--lines", "\(lines)", "--seed", "21", "--output", log], in: dir.path, timeout: 120)
        #expect(generated.exit == .success, "\(generated.stderr)")
        let database = mountPoint + "/calls.sqlite"
        let exporter = try ExporterProcess(
            ["serve", "--calllog.path", log, "--storage.path", database, "--web.listen-address", "127.0.0.1:0",
             "--storage.batch-lines", "2000"], in: dir.path)
        try await exporter.waitForPort()

        // The disk fills: commits fail and keep failing.
        try await ExporterProcess.eventually(within: 60, what: "a failing commit; stderr:\n\(exporter.stderr.suffix(2000))") {
            try Self.metric(exporter, "model_exporter_store_errors_total").map { $0 > 0 ? true : nil } ?? nil
        }
        // What is shown equals what is committed. The two scrapes around the count agree, so
        // no commit slipped in between.
        try await ExporterProcess.eventually(within: 30, what: "a scrape equal to the committed rows") { () throws -> Bool? in
            let before = try Self.metric(exporter, "model_exporter_accepted_lines_total")
            let rows = try DatabaseOwnershipTests.rowCount(database)
            let after = try Self.metric(exporter, "model_exporter_accepted_lines_total")
            guard before == after, let shown = after else { return nil }
            #expect(Int(shown) == rows, "/metrics shows \(shown) accepted lines, the database holds \(rows) rows")
            let health = try exporter.health()
            #expect(health.acceptedLines == rows, "/health shows \(health.acceptedLines), the database holds \(rows)")
            return true
        }
        #expect(try DatabaseOwnershipTests.rowCount(database) < lines, "the disk was meant to fill before the log was read")

        // Space comes back: the backlog drains, nothing lost, nothing doubled.
        try FileManager.default.removeItem(atPath: filler)
        try await ExporterProcess.eventually(within: 120, what: "the backlog to drain after space came back") { () throws -> Bool? in
            let accepted = try Self.metric(exporter, "model_exporter_accepted_lines_total") ?? 0
            let rejected = try Self.metric(exporter, "model_exporter_rejected_lines_total") ?? 0
            return Int(accepted + rejected) == lines ? true : nil
        }
        let rows = try DatabaseOwnershipTests.rowCount(database)
        let distinct = try DatabaseOwnershipTests.scalar(database, "SELECT count(DISTINCT source_offset) FROM calls")
        #expect(rows == distinct, "a line was stored twice")
        #expect(Int(try Self.metric(exporter, "model_exporter_accepted_lines_total") ?? -1) == rows)
        #expect(try await exporter.terminate() == .success)
    }

    /// The value of an unlabelled sample (or the sum over its label sets) in /metrics.
    static func metric(_ exporter: ExporterProcess, _ name: String) throws -> Double? {
        let text = try exporter.get("/metrics").text
        var sum: Double?
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") || line.hasPrefix(name + "{") {
            guard let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
            sum = (sum ?? 0) + value
        }
        return sum
    }

    static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ExporterProcessError("\(tool) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
    }
}
