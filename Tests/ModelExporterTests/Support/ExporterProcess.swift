import Foundation
import Glibc
import TestPolling

/// The built `model-exporter` binary run as a child process, as an operator or systemd runs it.
///
/// Builds nothing: it runs `.build/debug/model-exporter` of this package (`swift build
/// --build-tests` builds it with the tests). stderr and stdout go to files in the test's own
/// directory, so a chatty backfill can never fill a pipe and stall the child, and a failing
/// test can quote what the exporter said. Every wait has a deadline and polls; nothing sleeps
/// to synchronise. A process still running when its owner goes away is killed.
final class ExporterProcess {
    let arguments: [String]
    let stderrPath: String
    let stdoutPath: String
    private let process = Process()
    /// The port from the `listening ... port=N` log line, once `waitForPort` has seen it.
    private(set) var port: Int?

    /// The package root, found from this file's place in it (`Tests/ModelExporterTests/Support/`).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var binaryPath: String { packageRoot.appendingPathComponent(".build/debug/model-exporter").path }

    /// Starts the binary with `arguments` (subcommand first). `directory` holds the captured
    /// output; `environment` is added to a copy of the test's environment from which every
    /// `MODEL_EXPORTER_*` and systemd variable has been removed, so the host cannot leak settings in.
    init(_ arguments: [String], in directory: String, environment: [String: String] = [:]) throws {
        let binary = Self.binaryPath
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw ExporterProcessError("\(binary) is missing: run `swift build --build-tests` before `swift test --skip-build`")
        }
        self.arguments = arguments
        let tag = "\(arguments.first ?? "run")-\(UUID().uuidString.prefix(8))"
        stderrPath = directory + "/\(tag).stderr"
        stdoutPath = directory + "/\(tag).stdout"
        guard FileManager.default.createFile(atPath: stderrPath, contents: nil),
              FileManager.default.createFile(atPath: stdoutPath, contents: nil),
              let stderrHandle = FileHandle(forWritingAtPath: stderrPath),
              let stdoutHandle = FileHandle(forWritingAtPath: stdoutPath)
        else {
            throw ExporterProcessError("cannot create the output files in \(directory)")
        }
        var childEnvironment = ProcessInfo.processInfo.environment.filter { key, _ in
            !key.hasPrefix("MODEL_EXPORTER_") && !["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID"].contains(key)
        }
        childEnvironment.merge(environment) { _, new in new }
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = childEnvironment
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = FileHandle.nullDevice
        process.standardError = stderrHandle
        process.standardOutput = stdoutHandle
        try process.run()
        // The child holds its own copies of the descriptors.
        try? stderrHandle.close()
        try? stdoutHandle.close()
    }

    deinit {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
    }

    var processIdentifier: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    /// How the process ended, or nil while it runs.
    var exitIfEnded: Exit? { process.isRunning ? nil : exitNow() }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
    var stdout: [UInt8] { (FileManager.default.contents(atPath: stdoutPath)).map { Array($0) } ?? [] }

    /// Runs the binary to completion (for `generate` and for flags that must be refused).
    static func run(_ arguments: [String], in directory: String, environment: [String: String] = [:],
                    timeout: Double = 60) async throws -> Completion {
        let child = try ExporterProcess(arguments, in: directory, environment: environment)
        let exit = try await child.waitForExit(timeout: timeout)
        return Completion(exit: exit, stdout: child.stdout, stderr: child.stderr)
    }

    struct Completion {
        var exit: Exit
        var stdout: [UInt8]
        var stderr: String
    }

    /// How the process ended.
    struct Exit: Equatable, CustomStringConvertible {
        var status: Int32
        /// True when a signal ended it; `status` is then the signal number.
        var bySignal: Bool

        static let success = Exit(status: 0, bySignal: false)
        var description: String { bySignal ? "killed by signal \(status)" : "exit status \(status)" }
    }

    /// Waits for the `listening ... port=N` line on stderr; throws, quoting stderr, if the
    /// process exits first or the deadline passes.
    @discardableResult
    func waitForPort(timeout: Double = 30) async throws -> Int {
        if let port { return port }
        let found = try await Self.eventually(within: timeout, what: "the `listening ... port=N` log line of \(arguments.joined(separator: " "))") { () throws -> Int? in
            if let port = Self.listeningPort(in: stderr) { return port }
            if !process.isRunning {
                throw ExporterProcessError("model-exporter exited (\(exitNow())) before listening; stderr:\n\(stderr)")
            }
            return nil
        }
        port = found
        return found
    }

    /// The port of the first `listening` log line: `... port=40179 [ModelExporter] listening`.
    static func listeningPort(in log: String) -> Int? {
        for line in log.split(separator: "\n") where line.hasSuffix(" listening") || line.contains("] listening") {
            guard let range = line.range(of: " port=") else { continue }
            let digits = line[range.upperBound...].prefix { $0.isASCII && $0.isNumber }
            if let port = Int(digits), port > 0 { return port }
        }
        return nil
    }

    /// One GET over a fresh connection to 127.0.0.1.
    func get(_ path: String, timeout: Double = 10) throws -> HTTPReply {
        guard let port else { throw ExporterProcessError("GET \(path) before the port is known: call waitForPort() first") }
        return try HTTPReply.get(port: port, path: path, timeout: timeout)
    }

    /// `/health`, decoded.
    func health() throws -> HealthView {
        let reply = try get("/health")
        do {
            return try HealthView.decode(reply.body)
        } catch {
            throw ExporterProcessError("/health (status \(reply.status)) is not the expected JSON: \(error)\n\(reply.text)")
        }
    }

    /// Polls `/health` until `condition` holds; connection errors count as "not yet".
    @discardableResult
    func waitForHealth(timeout: Double = 30, _ what: String, _ condition: (HealthView) -> Bool) async throws -> HealthView {
        try await Self.eventually(within: timeout, what: what + "; stderr:\n" + String(stderr.suffix(2000))) { () throws -> HealthView? in
            if !process.isRunning { throw ExporterProcessError("model-exporter exited (\(exitNow())); stderr:\n\(stderr)") }
            guard let health = try? health() else { return nil }
            return condition(health) ? health : nil
        }
    }

    /// Waits until the log at `path` is read to its current end and the first catch-up is done.
    @discardableResult
    func waitForCatchUp(of path: String, timeout: Double = 30) async throws -> HealthView {
        try await waitForHealth(timeout: timeout, "catch-up with \(path)") { health in
            guard let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber else { return false }
            return health.catchUpComplete && health.calllog.readOffset == size.int64Value
        }
    }

    /// SIGTERM, then waits for the exit.
    func terminate(timeout: Double = 30) async throws -> Exit {
        Glibc.kill(process.processIdentifier, SIGTERM)
        return try await waitForExit(timeout: timeout)
    }

    /// SIGKILL, then waits for the exit: nothing of the process runs after this returns.
    @discardableResult
    func kill9(timeout: Double = 30) async throws -> Exit {
        Glibc.kill(process.processIdentifier, SIGKILL)
        return try await waitForExit(timeout: timeout)
    }

    func waitForExit(timeout: Double = 30) async throws -> Exit {
        try await Self.eventually(within: timeout, what: "exit of model-exporter \(arguments.joined(separator: " "))") {
            process.isRunning ? nil : exitNow()
        }
    }

    private func exitNow() -> Exit {
        Exit(status: process.terminationStatus, bySignal: process.terminationReason == .uncaughtSignal)
    }
}

struct ExporterProcessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension ExporterProcess {
    /// The shared poll (`TestPolling`), its timeout said as this file's error.
    @discardableResult
    static func eventually<T>(within seconds: Double, every interval: Duration = .milliseconds(10),
                              what: @autoclosure () -> String, _ check: () throws -> T?) async throws -> T {
        do {
            return try await TestPolling.eventually(within: seconds, every: interval, what: what(), check)
        } catch let timeout as PollTimeout {
            throw ExporterProcessError(timeout.description)
        }
    }
}

/// The parts of `/health` the tests read. Decoding fails when a key is missing, so the
/// shape of the report is checked too.
struct HealthView: Decodable {
    struct CallLog: Decodable {
        var path: String
        var exists: Bool
        var readOffset: Int64
        var sizeBytes: Int64
        var lagBytes: Int64
    }

    struct Database: Decodable {
        var path: String
        var writable: Bool
    }

    var status: String
    var catchUpComplete: Bool
    var calllog: CallLog
    var database: Database
    var acceptedLines: Int
    var rejectedLines: Int
    var problems: [String]

    static func decode(_ body: [UInt8]) throws -> HealthView {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(HealthView.self, from: Data(body))
    }
}

/// A response read off the wire by a minimal HTTP/1.1 client: one blocking GET over a POSIX
/// socket with `Connection: close`, read to EOF. (URLSession on Linux is not dependable inside
/// a test process, and a real socket is what Prometheus uses.)
struct HTTPReply {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The first header of that name, compared case-insensitively.
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    static func get(port: Int, path: String, timeout: Double) throws -> HTTPReply {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ExporterProcessError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))

        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            throw ExporterProcessError("connect to 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
        }

        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: */*\r\nConnection: close\r\n\r\n".utf8)
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw ExporterProcessError("send GET \(path): \(String(cString: strerror(errno)))") }
            sent += n
        }

        let deadline = Date().addingTimeInterval(timeout)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR && Date() < deadline { continue }
                throw ExporterProcessError("reading the reply to GET \(path): \(String(cString: strerror(errno)))")
            }
            received += buffer[0..<n]
            guard Date() < deadline else { throw ExporterProcessError("GET \(path): no end of reply within \(timeout) s") }
        }
        return try parse(received, path: path)
    }

    static func parse(_ bytes: [UInt8], path: String) throws -> HTTPReply {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.firstRange(of: separator) else {
            throw ExporterProcessError("GET \(path): no end of headers in \(bytes.count) bytes")
        }
        let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw ExporterProcessError("GET \(path): bad status line \(head[0])")
        }
        var headers: [(name: String, value: String)] = []
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var reply = HTTPReply(status: status, headers: headers, body: Array(bytes[end.upperBound...]))
        if reply.header("Transfer-Encoding")?.lowercased() == "chunked" {
            reply.body = try dechunk(reply.body, path: path)
        } else if let length = reply.header("Content-Length").flatMap(Int.init) {
            guard reply.body.count >= length else {
                throw ExporterProcessError("GET \(path): Content-Length \(length) but \(reply.body.count) body bytes")
            }
            reply.body = Array(reply.body.prefix(length))
        }
        return reply
    }

    private static func dechunk(_ bytes: [UInt8], path: String) throws -> [UInt8] {
        var output: [UInt8] = []
        var index = 0
        while true {
            guard let lineEnd = bytes[index...].firstRange(of: [13, 10]) else {
                throw ExporterProcessError("GET \(path): truncated chunked body")
            }
            let sizeText = String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";")[0].trimmingCharacters(in: .whitespaces), radix: 16) else {
                throw ExporterProcessError("GET \(path): bad chunk size \(sizeText)")
            }
            index = lineEnd.upperBound
            if size == 0 { return output }
            guard index + size <= bytes.count else { throw ExporterProcessError("GET \(path): truncated chunk") }
            output += bytes[index..<(index + size)]
            index += size + 2
        }
    }
}

/// A fresh directory under the system temporary directory. A struct with an explicit
/// `remove()` (called from a `defer`) rather than a class with a `deinit`: ARC may end an
/// object's life after its last use, long before the end of the test that still needs the files.
struct ScratchDirectory {
    let path: String

    init(_ label: String = "model-exporter-test") throws {
        var template = Array((NSTemporaryDirectory() + "/\(label)-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw ExporterProcessError("mkdtemp: \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String { path + "/" + name }
}
