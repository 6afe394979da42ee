import Foundation
import Glibc
import Testing

/// The binary as an operator meets it: refused settings, `generate`, and SIGTERM.
@Suite(.serialized)
struct CommandLineTests {
    /// A `serve` invocation that must be refused before anything starts. `$DIR` stands for the
    /// test's directory; `yaml`, when set, is written to `$DIR/config.yml`.
    struct BadInvocation: Sendable, CustomTestStringConvertible {
        var name: String
        var arguments: [String]
        var yaml: String? = nil
        /// Fragments the error message must contain.
        var mentions: [String]

        var testDescription: String { name }
    }

    static let good = ["--calllog.path", "$DIR/calls.jsonl", "--storage.path", "$DIR/calls.sqlite", "--web.listen-address", "127.0.0.1:0"]

    static let badInvocations: [BadInvocation] = [
        BadInvocation(name: "unknown flag", arguments: good + ["--web.listen-adress", ":9816"], mentions: ["--web.listen-adress"]),
        BadInvocation(name: "buckets not increasing", arguments: good + ["--metrics.latency-buckets", "1,0.5"],
                      mentions: ["--metrics.latency-buckets", "increasing"]),
        BadInvocation(name: "bad retention", arguments: good + ["--storage.retention", "3x"], mentions: ["--storage.retention", "3x"]),
        BadInvocation(name: "no call log", arguments: Array(good.dropFirst(2)), mentions: ["--calllog.path"]),
        BadInvocation(name: "unknown key in the config file", arguments: good + ["--config.file", "$DIR/config.yml"],
                      yaml: "web:\n  listen_adress: 127.0.0.1:0\n", mentions: ["config.yml", "web.listen_adress"]),
        BadInvocation(name: "unset variable in the config file",
                      arguments: Array(good.dropFirst(2)) + ["--config.file", "$DIR/config.yml"],
                      yaml: "calllog:\n  path: ${MODEL_EXPORTER_TEST_UNSET}/calls.jsonl\n",
                      mentions: ["MODEL_EXPORTER_TEST_UNSET", "calllog.path"]),
        BadInvocation(name: "malformed YAML", arguments: good + ["--config.file", "$DIR/config.yml"],
                      yaml: "calllog:\n  path: [unclosed\nweb: {\n", mentions: ["config.yml", "YAML"]),
    ]

    @Test(arguments: badInvocations)
    func badSettingsAreRefusedWithOneMessage(_ invocation: BadInvocation) async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        if let yaml = invocation.yaml {
            try Data(yaml.utf8).write(to: URL(fileURLWithPath: dir.file("config.yml")))
        }
        let arguments = ["serve"] + invocation.arguments.map { $0.replacingOccurrences(of: "$DIR", with: dir.path) }
        let child = try ExporterProcess(arguments, in: dir.path)
        // Refused means: exits on its own, and never gets as far as listening.
        let exit = try await ExporterProcess.eventually(within: 20, what: "exit of a refused serve") { () throws -> ExporterProcess.Exit? in
            if ExporterProcess.listeningPort(in: child.stderr) != nil {
                throw ExporterProcessError("serve started listening instead of refusing the settings; stderr:\n\(child.stderr)")
            }
            return child.exitIfEnded
        }
        let stderr = child.stderr
        #expect(!exit.bySignal && exit.status != 0, "\(exit)")
        for fragment in invocation.mentions {
            #expect(stderr.contains(fragment), "stderr does not mention \(fragment): \(stderr)")
        }
        let errors = stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        #expect(errors.count == 1, "want one error message, got: \(stderr)")
        #expect(!stderr.contains("Fatal error") && !stderr.contains("Stack dump"), "\(stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("calls.sqlite")), "a refused serve created the database")
    }

    /// A refused setting of `serve` must point at `serve --help`. Today settings are resolved in
    /// `run()`, where ArgumentParser no longer knows the subcommand, so the usage printed under
    /// the error is the root command's (`model-exporter <subcommand>`, `model-exporter --help`).
    @Test func settingsErrorPointsAtServeUsage() async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let run = try await ExporterProcess.run(
            ["serve", "--calllog.path", dir.file("calls.jsonl"), "--storage.path", dir.file("calls.sqlite"),
             "--storage.retention", "3x"], in: dir.path, timeout: 20)
        #expect(run.exit.status != 0)
        #expect(!run.stderr.contains("<subcommand>") && !run.stderr.contains("'model-exporter --help'"),
                "the usage shown is not serve's: \(run.stderr)")
    }

    /// node_exporter exits with "address already in use" when its port is taken; so must this.
    /// An exporter that runs on without serving is invisible to Prometheus and to its operator.
    @Test func listenAddressInUseIsAnErrorNotAHang() async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let taken = try ListeningSocket()
        defer { taken.close() }
        let child = try ExporterProcess(
            ["serve", "--calllog.path", dir.file("calls.jsonl"), "--storage.path", dir.file("calls.sqlite"),
             "--web.listen-address", "127.0.0.1:\(taken.port)"], in: dir.path)
        let exit = try? await child.waitForExit(timeout: 10)
        if exit == nil {
            // Still running: see whether it at least stops when asked, then make sure it is gone.
            let afterTerm = try? await child.terminate(timeout: 5)
            if afterTerm == nil { try await child.kill9() }
            Issue.record("""
                serve kept running for 10 s with its port \(taken.port) taken \
                (\(afterTerm.map { "then SIGTERM: \($0)" } ?? "and ignored SIGTERM")); stderr:
                \(child.stderr)
                """)
            return
        }
        #expect(exit?.status != 0 && exit?.bySignal == false, "\(String(describing: exit))")
        #expect(child.stderr.contains("\(taken.port)"), "the error should name the address: \(child.stderr)")
    }

    @Test func generateIsDeterministicForASeed() async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        func generate(seed: Int, into name: String) async throws -> [UInt8] {
            let path = dir.file(name)
            let run = try await ExporterProcess.run(
                ["generate", "--lines", "2000", "--seed", "\(seed)", "--bad-rate", "0.05",
                 "--start", "2026-11-27T07:00:00Z", "--output", path], in: dir.path)
            #expect(run.exit == .success, "\(run.stderr)")
            return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        }
        let first = try await generate(seed: 42, into: "a.jsonl")
        let again = try await generate(seed: 42, into: "b.jsonl")
        let other = try await generate(seed: 43, into: "c.jsonl")
        #expect(first.filter { $0 == 0x0A }.count == 2000)
        #expect(first == again, "the same seed gave different bytes")
        #expect(first != other, "different seeds gave the same bytes")
        let truth = GroundTruth(bytes: first)
        #expect(truth.rejectedLines > 0 && truth.acceptedLines > 1800, "bad-rate 0.05 of 2000 lines")
    }

    /// SIGTERM after appended lines were ingested: exit status 0, every line in the database.
    @Test func sigtermExitsZeroWithTheLastLinesCommitted() async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let log = dir.file("calls.jsonl")
        let database = dir.file("calls.sqlite")
        try await HTTPEndpointTests.generate(lines: 2000, seed: 21, badRate: 0.02, into: log, in: dir)
        let exporter = try await HTTPEndpointTests.serve(log, database: database, in: dir)
        try await exporter.waitForCatchUp(of: log)
        try await HTTPEndpointTests.generate(lines: 37, seed: 22, badRate: 0, into: log, in: dir)
        let truth = try GroundTruth(path: log)
        try await exporter.waitForHealth(timeout: 5, "the 37 appended lines") { $0.acceptedLines == truth.acceptedLines }

        let exit = try await exporter.terminate()
        #expect(exit == .success, "\(exit); stderr:\n\(exporter.stderr.suffix(2000))")
        let stored = try StoredCalls(path: database)
        #expect(stored.calls == truth.acceptedLines)
        #expect(stored.rejected == truth.rejectedLines)
        #expect(stored.readOffsets == [truth.completeBytes])
    }

    /// SIGTERM in the middle of a backfill: the batch in hand is committed, the process exits
    /// 0, and the database is exactly the log up to the committed read position.
    @Test func sigtermDuringBackfillCommitsAConsistentPrefix() async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let log = dir.file("calls.jsonl")
        let database = dir.file("calls.sqlite")
        try await HTTPEndpointTests.generate(lines: 100_000, seed: 23, badRate: 0.01, into: log, in: dir)
        let exporter = try await HTTPEndpointTests.serve(log, database: database, in: dir)
        let health = try await exporter.waitForHealth(timeout: 60, "a first commit") { $0.acceptedLines > 0 }

        let exit = try await exporter.terminate()
        #expect(exit == .success, "\(exit); stderr:\n\(exporter.stderr.suffix(2000))")
        #expect(exporter.stderr.contains("last batch committed"))
        let truth = try GroundTruth(path: log)
        let stored = try StoredCalls(path: database)
        let readOffset = try #require(stored.readOffsets.first)
        #expect(stored.calls >= health.acceptedLines)
        #expect(stored.calls == truth.acceptedLines(before: readOffset))
        #expect(stored.rejected == truth.rejectedLines(before: readOffset))
        #expect(stored.rowsAtOrPastReadOffset == 0)
        #expect(stored.acceptedCounter == stored.calls)
        print("SIGTERM during backfill: \(stored.calls) of \(truth.acceptedLines) calls committed, read_offset \(readOffset) of \(truth.completeBytes)")
    }
}

/// A TCP port held open by the test, to make `serve`'s listen address unavailable.
final class ListeningSocket {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ExporterProcessError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            Glibc.close(fd)
            throw ExporterProcessError("bind/listen on 127.0.0.1:0: \(String(cString: strerror(errno)))")
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() {
        Glibc.close(fd)
    }
}
