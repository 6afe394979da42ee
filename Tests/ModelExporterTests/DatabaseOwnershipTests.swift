import Foundation
import Glibc
import Testing

/// One database, one owner, proved with real processes: a second `serve` or `ingest` on a
/// database that a live `serve` writes is refused with one message naming the database and
/// the holder's pid, and writes nothing; a holder killed with SIGKILL never blocks a restart.
///
/// Before the lock, the second process read the same log into the same database: a
/// 300,000-line log became 550,000 rows.
@Suite(.serialized)
struct DatabaseOwnershipTests {
    static func serveArguments(_ dir: ScratchDirectory) -> [String] {
        ["serve", "--calllog.path", dir.file("calls.jsonl"), "--storage.path", dir.file("calls.sqlite"),
         "--web.listen-address", "127.0.0.1:0"]
    }

    @Test(arguments: ["serve", "ingest"])
    func aSecondWriterIsRefusedAndWritesNothing(_ command: String) async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let generated = try await ExporterProcess.run(
            ["generate", "--lines", "3000", "--seed", "7", "--output", dir.file("calls.jsonl")], in: dir.path)
        #expect(generated.exit == .success, "\(generated.stderr)")
        let owner = try ExporterProcess(Self.serveArguments(dir), in: dir.path)
        try await owner.waitForPort()
        try await owner.waitForCatchUp(of: dir.file("calls.jsonl"))
        let rowsBefore = try Self.rowCount(dir.file("calls.sqlite"))
        let walBefore = Self.size(dir.file("calls.sqlite-wal"))

        var arguments = Self.serveArguments(dir)
        arguments[0] = command
        if command == "ingest" { arguments.removeLast(2) }
        let second = try await ExporterProcess.run(arguments, in: dir.path, timeout: 30)

        #expect(!second.exit.bySignal && second.exit.status != 0, "\(second.exit); stderr:\n\(second.stderr)")
        let errors = second.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        #expect(errors.count == 1, "want one error message, got:\n\(second.stderr)")
        #expect(second.stderr.contains(dir.file("calls.sqlite")), "names the database: \(second.stderr)")
        #expect(second.stderr.contains("process \(owner.processIdentifier)"), "names the holder's pid: \(second.stderr)")
        #expect(ExporterProcess.listeningPort(in: second.stderr) == nil, "the refused serve must not listen")
        #expect(try Self.rowCount(dir.file("calls.sqlite")) == rowsBefore)
        #expect(Self.size(dir.file("calls.sqlite-wal")) == walBefore, "the refused process wrote to the WAL")
        #expect(owner.isRunning, "the owner must be left running")
        #expect(try await owner.terminate() == .success)
    }

    @Test
    func aKilledOwnerNeverBlocksARestart() async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        _ = try await ExporterProcess.run(
            ["generate", "--lines", "2000", "--seed", "3", "--output", dir.file("calls.jsonl")], in: dir.path)
        let first = try ExporterProcess(Self.serveArguments(dir), in: dir.path)
        try await first.waitForPort()
        try await first.waitForCatchUp(of: dir.file("calls.jsonl"))
        try await first.kill9()
        // The lock file is left behind, holding the dead pid: it must not matter.
        #expect(FileManager.default.fileExists(atPath: dir.file("calls.sqlite.lock")))

        let restarted = try ExporterProcess(Self.serveArguments(dir), in: dir.path)
        try await restarted.waitForPort()
        try await restarted.waitForCatchUp(of: dir.file("calls.jsonl"))
        let holder = try String(contentsOfFile: dir.file("calls.sqlite.lock"), encoding: .utf8)
        #expect(holder.trimmingCharacters(in: .whitespacesAndNewlines) == "\(restarted.processIdentifier)")
        #expect(try Self.rowCount(dir.file("calls.sqlite")) == 2000 - Self.rejected(dir.file("calls.sqlite")))
        #expect(try await restarted.terminate() == .success)
    }

    static func size(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? 0
    }

    static func rowCount(_ database: String) throws -> Int { try scalar(database, "SELECT count(*) FROM calls") }
    static func rejected(_ database: String) throws -> Int { try scalar(database, "SELECT count(*) FROM rejected_lines") }

    /// One integer through the sqlite3 shell, read-only: the test reads the file as an
    /// incident reviewer would, beside the running owner.
    static func scalar(_ database: String, _ sql: String) throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = ["-readonly", database, sql]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard let value = Int(String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ExporterProcessError("sqlite3 \(sql) on \(database) printed \(String(decoding: output, as: UTF8.self))")
        }
        return value
    }
}
