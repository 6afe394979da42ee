import Foundation
import Glibc
import TestPolling

/// A PostgreSQL 15 server of the test's own: `initdb` into a fresh temporary directory, a free
/// port on 127.0.0.1, started and stopped by the test, removed with the value. Never a shared
/// server, so tests cannot see each other's rows or depend on the machine's setup.
///
/// - Debian's `postgresql-15` binaries (/usr/lib/postgresql/15/bin; `scripts/install-deps`
///   installs the package). PostgreSQL refuses to run as root, and tests here run as root in CI:
///   the server then runs as `nobody` through `setpriv`, in a directory chowned to it.
/// - Password authentication (scram-sha-256) even on loopback, so a wrong password is refused
///   as in production.
/// - `fsync=off`: the tests kill the server, never the machine, and a durable commit survives a
///   killed server either way (the WAL is in the OS cache).
/// - Readiness is polled with `pg_isready` under a deadline; nothing sleeps to synchronise.
final class LocalPostgresServer: @unchecked Sendable {
    static let binaries = "/usr/lib/postgresql/15/bin"
    let directory: String
    let port: Int
    let user = "exporter"
    let password: String
    let database = "fleet"
    private var process: Process?

    var dataDirectory: String { directory + "/data" }
    var logPath: String { directory + "/postgres.log" }

    /// `postgres://exporter:PASSWORD@127.0.0.1:PORT/fleet?sslmode=disable`.
    var url: String { url(password: password) }
    func url(password: String) -> String {
        "postgres://\(user):\(password)@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    init() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binaries + "/initdb") else {
            throw LocalPostgresError("PostgreSQL 15 is not installed (\(Self.binaries)/initdb): run scripts/install-deps, which installs Debian's postgresql-15")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("replica-pg-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        password = "pw-\(UUID().uuidString.prefix(12))"
        port = try Self.freePort()
        try Self.chownToServerUser(directory)
        let passwordFile = directory + "/password"
        try (password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
        try Self.chownToServerUser(passwordFile)
        let initdb = try Self.runAsServerUser(Self.binaries + "/initdb", [
            "-D", dataDirectory, "-U", user, "--pwfile=\(passwordFile)", "--auth=scram-sha-256",
            "-E", "UTF8", "--no-sync", "--no-instructions",
        ], output: directory + "/initdb.log")
        initdb.waitUntilExit()
        guard initdb.terminationStatus == 0 else {
            throw LocalPostgresError("initdb failed: \((try? String(contentsOfFile: directory + "/initdb.log", encoding: .utf8)) ?? "")")
        }
        try start()
        try psql("CREATE DATABASE \(database)", database: "postgres")
    }

    deinit {
        if let process, process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Starts the server and waits until it accepts connections.
    func start(timeout: Double = 60) throws {
        precondition(process?.isRunning != true, "the server is already running")
        let server = try Self.runAsServerUser(Self.binaries + "/postgres", [
            "-D", dataDirectory, "-h", "127.0.0.1", "-p", "\(port)", "-k", directory,
            "-c", "fsync=off", "-c", "max_connections=40", "-c", "shared_buffers=32MB",
        ], output: logPath)
        process = server
        do {
            try eventuallyBlocking(within: timeout, every: .milliseconds(50), what: "postgres accepting connections") {
                guard server.isRunning else { throw LocalPostgresError("postgres exited at start: \(log)") }
                return try Self.run(Self.binaries + "/pg_isready", ["-h", "127.0.0.1", "-p", "\(port)", "-q"]) == 0 ? true : nil
            }
        } catch is PollTimeout {
            throw LocalPostgresError("postgres did not accept connections within \(timeout) s: \(log)")
        }
    }

    /// A clean stop (SIGINT: PostgreSQL's fast shutdown), waited for.
    func stop(timeout: Double = 60) throws {
        try signal(SIGINT, timeout: timeout)
    }

    /// kill -9 of the postmaster, as an OOM killer or an operator would; its backends exit
    /// as they find it gone, and the next `start` runs crash recovery.
    func kill9(timeout: Double = 60) throws {
        guard let process, process.isRunning else { return }
        let backends = Self.children(of: process.processIdentifier)
        try signal(SIGKILL, timeout: timeout)
        // A new postmaster refuses to start while a backend of the old one still holds the
        // shared memory: wait for them to be gone.
        _ = try? eventuallyBlocking(within: timeout, what: "the killed server's backends to exit") {
            backends.contains(where: { Glibc.kill($0, 0) == 0 }) ? nil : true
        }
    }

    /// Pids whose parent is `pid`, from /proc.
    static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let child = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == pid ? child : nil
        }
    }

    private func signal(_ signal: Int32, timeout: Double) throws {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, signal)
        _ = try? eventuallyBlocking(within: timeout, what: "postgres to stop") { process.isRunning ? nil : true }
        guard !process.isRunning else { throw LocalPostgresError("postgres did not stop within \(timeout) s") }
        self.process = nil
    }

    var isRunning: Bool { process?.isRunning == true }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Runs SQL with psql (an independent client, for the tests' ground truth); the output's
    /// rows, columns separated by `|`.
    @discardableResult
    func psql(_ sql: String, database: String? = nil) throws -> [String] {
        let output = directory + "/psql-\(UUID().uuidString.prefix(6)).out"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = ["-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", database ?? self.database,
                             "-v", "ON_ERROR_STOP=1", "-tAc", sql]
        process.environment = ["PGPASSWORD": password, "PATH": "/usr/bin:/bin"]
        FileManager.default.createFile(atPath: output, contents: nil)
        let handle = FileHandle(forWritingAtPath: output)!
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try? handle.close()
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: output)
        guard process.terminationStatus == 0 else { throw LocalPostgresError("psql failed on \(sql): \(text)") }
        return text.split(separator: "\n").map(String.init)
    }

    /// One number from psql.
    func number(_ sql: String) throws -> Double {
        let rows = try psql(sql)
        guard let first = rows.first, let value = Double(first) else { return .nan }
        return value
    }

    // MARK: - Processes

    private static var serverUserNeeded: Bool { getuid() == 0 }

    private static func chownToServerUser(_ path: String) throws {
        guard serverUserNeeded else { return }
        guard let nobody = getpwnam("nobody") else { throw LocalPostgresError("no user nobody to run PostgreSQL as") }
        guard chown(path, nobody.pointee.pw_uid, nobody.pointee.pw_gid) == 0 else {
            throw LocalPostgresError("cannot chown \(path) to nobody: errno \(errno)")
        }
    }

    private static func runAsServerUser(_ binary: String, _ arguments: [String], output: String) throws -> Process {
        let process = Process()
        if serverUserNeeded {
            let nobody = getpwnam("nobody")!
            let group = getgrgid(nobody.pointee.pw_gid).map { String(cString: $0.pointee.gr_name) } ?? "nogroup"
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=nobody", "--regid=\(group)", "--clear-groups", binary] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
        }
        process.environment = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"]
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        FileManager.default.createFile(atPath: output, contents: nil)
        let handle = FileHandle(forWritingAtPath: output)!
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? handle.close()
        return process
    }

    private static func run(_ binary: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// A port the kernel has just handed out on 127.0.0.1 and released.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LocalPostgresError("socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw LocalPostgresError("bind: errno \(errno)") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw LocalPostgresError("getsockname: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct LocalPostgresError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
