import Foundation
import Glibc
import Testing

@testable import ModelExporter

/// Where the receiving end of `NOTIFY_SOCKET` lives: a socket file (what systemd uses,
/// `/run/systemd/notify`) or a name in the abstract namespace (what containers and
/// `systemd-run --user` may hand over as `@name`).
fileprivate enum NotifySocketKind: String, CaseIterable, Sendable {
    case file
    case abstract
}

/// A real unix datagram socket standing in for systemd's notify socket. Reads wait in poll(2)
/// with a deadline, so a test either gets its datagram at once or fails after the timeout;
/// it never sleeps.
fileprivate final class NotifySocket {
    /// The address in `NOTIFY_SOCKET` form: `/path` or `@name`.
    let address: String
    private let fd: Int32
    private let directory: String?

    /// `addressLength`, if given, pads the name so that `address` is exactly that many bytes:
    /// for testing the edge of `sun_path`'s 108 bytes.
    init(_ kind: NotifySocketKind, addressLength: Int? = nil) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketSetupError(step: "socket", errorNumber: errno) }

        var nameBytes: [UInt8]
        switch kind {
        case .file:
            var template = Array((NSTemporaryDirectory() + "/notifier-XXXXXX").utf8CString)
            guard let made = mkdtemp(&template) else {
                close(fd)
                throw SocketSetupError(step: "mkdtemp", errorNumber: errno)
            }
            let dir = String(cString: made)
            directory = dir
            address = Self.padded(dir + "/notify.sock", to: addressLength)
            nameBytes = Array(address.utf8)
        case .abstract:
            directory = nil
            address = Self.padded("@model-exporter-test-\(getpid())-\(UUID().uuidString)", to: addressLength)
            nameBytes = Array(address.utf8)
            nameBytes[0] = 0
        }

        var sockaddr = sockaddr_un()
        sockaddr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &sockaddr.sun_path) { $0.copyBytes(from: nameBytes) }
        let length = socklen_t(
            MemoryLayout<sa_family_t>.size + nameBytes.count + (kind == .file ? 1 : 0))
        let bound = withUnsafePointer(to: &sockaddr) {
            $0.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let error = errno
            close(fd)
            throw SocketSetupError(step: "bind \(address)", errorNumber: error)
        }
    }

    private static func padded(_ address: String, to length: Int?) -> String {
        guard let length, length > address.utf8.count else { return address }
        return address + String(repeating: "x", count: length - address.utf8.count)
    }

    deinit {
        close(fd)
        if let directory {
            unlink(address)
            rmdir(directory)
        }
    }

    /// The next datagram, or nil if none arrives before the deadline.
    func receive(timeout: Duration = .seconds(5)) -> [UInt8]? {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(timeout.components.seconds * 1000)
        guard poll(&descriptor, 1, milliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes {
            recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT))
        }
        guard count >= 0 else { return nil }
        return Array(buffer.prefix(count))
    }
}

fileprivate struct SocketSetupError: Error, CustomStringConvertible {
    let step: String
    let errorNumber: Int32
    var description: String { "\(step): \(String(cString: strerror(errorNumber)))" }
}

@Suite("SystemdNotifier")
fileprivate struct SystemdNotifierTests {
    @Test("READY=1 with a status arrives byte-exact", arguments: NotifySocketKind.allCases)
    func readyArrivesByteExact(kind: NotifySocketKind) throws {
        let socket = try NotifySocket(kind)
        try SystemdNotifier(socketPath: socket.address).ready(status: "caught up")
        #expect(socket.receive() == Array("READY=1\nSTATUS=caught up".utf8))
    }

    @Test("notify sends the state verbatim as one datagram", arguments: NotifySocketKind.allCases)
    func notifySendsVerbatim(kind: NotifySocketKind) throws {
        let socket = try NotifySocket(kind)
        try SystemdNotifier(socketPath: socket.address).notify("READY=1\nSTATUS=caught up")
        #expect(socket.receive() == Array("READY=1\nSTATUS=caught up".utf8))
    }

    @Test("STATUS arrives alone", arguments: NotifySocketKind.allCases)
    func statusArrives(kind: NotifySocketKind) throws {
        let socket = try NotifySocket(kind)
        try SystemdNotifier(socketPath: socket.address).status("backfilling: 1200 lines")
        #expect(socket.receive() == Array("STATUS=backfilling: 1200 lines".utf8))
    }

    @Test("a newline in a status cannot start another assignment")
    func statusNewlineIsFlattened() throws {
        let socket = try NotifySocket(.file)
        try SystemdNotifier(socketPath: socket.address).status("line one\nREADY=1")
        #expect(socket.receive() == Array("STATUS=line one READY=1".utf8))
    }

    @Test("WATCHDOG=1 arrives", arguments: NotifySocketKind.allCases)
    func watchdogArrives(kind: NotifySocketKind) throws {
        let socket = try NotifySocket(kind)
        try SystemdNotifier(socketPath: socket.address).watchdog()
        #expect(socket.receive() == Array("WATCHDOG=1".utf8))
    }

    @Test("STOPPING=1 arrives")
    func stoppingArrives() throws {
        let socket = try NotifySocket(.file)
        try SystemdNotifier(socketPath: socket.address).stopping()
        #expect(socket.receive() == Array("STOPPING=1".utf8))
    }

    @Test("successive notifications arrive as separate datagrams in order")
    func successiveNotificationsStaySeparate() throws {
        let socket = try NotifySocket(.file)
        let notifier = SystemdNotifier(socketPath: socket.address)
        try notifier.ready(status: "ready")
        try notifier.watchdog()
        try notifier.watchdog()
        #expect(socket.receive() == Array("READY=1\nSTATUS=ready".utf8))
        #expect(socket.receive() == Array("WATCHDOG=1".utf8))
        #expect(socket.receive() == Array("WATCHDOG=1".utf8))
    }

    @Test("fromEnvironment reads NOTIFY_SOCKET", arguments: NotifySocketKind.allCases)
    func fromEnvironmentReadsNotifySocket(kind: NotifySocketKind) throws {
        let socket = try NotifySocket(kind)
        let notifier = try #require(SystemdNotifier.fromEnvironment(["NOTIFY_SOCKET": socket.address]))
        #expect(notifier.socketPath == socket.address)
        try notifier.watchdog()
        #expect(socket.receive() == Array("WATCHDOG=1".utf8))
    }

    @Test("without NOTIFY_SOCKET there is no notifier", arguments: [
        [:], ["NOTIFY_SOCKET": ""], ["WATCHDOG_USEC": "30000000"],
    ] as [[String: String]])
    func unsetNotifySocketGivesNil(env: [String: String]) {
        #expect(SystemdNotifier.fromEnvironment(env) == nil)
    }

    @Test("a socket path that does not exist is a thrown error naming it")
    func missingSocketThrowsNamingIt() throws {
        let path = NSTemporaryDirectory() + "/model-exporter-no-such-dir-\(UUID().uuidString)/notify"
        let error = try #require(throws: SystemdNotifierError.self) {
            try SystemdNotifier(socketPath: path).ready(status: "caught up")
        }
        #expect(error.socketPath == path)
        #expect(error.operation == .send)
        #expect(error.errorNumber == ENOENT)
        #expect(error.description.contains(path))
        #expect(error.description.contains("No such file or directory"))
    }

    @Test("an abstract name nobody listens on is refused")
    func unboundAbstractNameThrows() throws {
        let address = "@model-exporter-test-unbound-\(UUID().uuidString)"
        let error = try #require(throws: SystemdNotifierError.self) {
            try SystemdNotifier(socketPath: address).watchdog()
        }
        #expect(error.errorNumber == ECONNREFUSED)
        #expect(error.description.contains(address))
    }

    @Test("addresses that are neither /path nor @name are rejected before sending", arguments: [
        ("relative/notify", EAFNOSUPPORT),
        ("vsock:2:1234", EAFNOSUPPORT),
        ("/" + String(repeating: "a", count: 107), ENAMETOOLONG),
        ("@" + String(repeating: "a", count: 108), ENAMETOOLONG),
    ])
    func badAddressesAreRejected(address: String, expected: Int32) throws {
        let error = try #require(throws: SystemdNotifierError.self) {
            try SystemdNotifier(socketPath: address).watchdog()
        }
        #expect(error.operation == .address)
        #expect(error.errorNumber == expected)
        #expect(error.description.contains(address))
    }

    @Test("the longest address that fits in sun_path arrives", arguments: [
        (NotifySocketKind.file, 107),  // 107 bytes and the terminating NUL fill sun_path's 108
        (.abstract, 108),  // "@" becomes the leading NUL; abstract names carry no terminator
    ])
    func longestAddressArrives(kind: NotifySocketKind, length: Int) throws {
        let socket = try NotifySocket(kind, addressLength: length)
        try #require(socket.address.utf8.count == length)
        try SystemdNotifier(socketPath: socket.address).watchdog()
        #expect(socket.receive() == Array("WATCHDOG=1".utf8))
    }

    @Test("watchdogInterval reads WATCHDOG_USEC and honours WATCHDOG_PID", arguments: [
        (["WATCHDOG_USEC": "30000000"], Duration.seconds(30)),
        (["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid())"], .seconds(30)),
        (["WATCHDOG_USEC": "1500"], .microseconds(1500)),
        (["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid() + 1)"], nil),
        (["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "self"], nil),
        (["WATCHDOG_USEC": "30s"], nil),
        (["WATCHDOG_USEC": "-1"], nil),
        (["WATCHDOG_USEC": "0"], nil),
        (["WATCHDOG_USEC": ""], nil),
        (["WATCHDOG_USEC": "99999999999999999999999"], nil),
        ([:], nil),
    ] as [([String: String], Duration?)])
    func watchdogIntervalParsing(env: [String: String], expected: Duration?) {
        #expect(SystemdNotifier.watchdogInterval(env) == expected)
    }
}
