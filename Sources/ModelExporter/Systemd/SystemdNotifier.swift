// The sd_notify(3) protocol, written by hand.
//
// Under `Type=notify` systemd passes the path of a unix datagram socket in `NOTIFY_SOCKET`; the
// service tells the manager about itself by sending one datagram of newline-separated
// `KEY=VALUE` assignments to it (`READY=1`, `STATUS=…`, `WATCHDOG=1`, `STOPPING=1`). That is the
// whole protocol for what this program needs. It is written here rather than taken from a
// package because no well-kept Swift package provides it, and linking libsystemd for one
// `sendto(2)` would add a C dependency (and a -dev package on every build machine) to save
// about forty lines.
//
// Two address forms are understood, as in libsystemd: an absolute path (`/run/systemd/notify`)
// names a socket file; a leading `@` names a socket in Linux's abstract namespace, which is
// spelled on the wire with a NUL as the first byte of `sun_path` and no trailing NUL (the name
// is length-delimited). Any other form (for example the `vsock:` addresses of newer systemd) is
// reported as an error rather than ignored, so that a unit that waits for READY=1 does not
// just time out without a word.
//
// The manager only reads credentials off the datagram (it checks the sender's PID against
// `NotifyAccess=`), so any thread of the main process may send, and a fresh socket per message
// is fine: messages are rare (readiness once, the watchdog every few seconds).
import Foundation
import Glibc

/// Sends service state to systemd. Obtain one with ``fromEnvironment(_:)``; outside systemd
/// (no `NOTIFY_SOCKET`) that returns nil, and callers skip notifying altogether.
struct SystemdNotifier: Sendable {
    /// The value of `NOTIFY_SOCKET`: an absolute path, or `@name` for the abstract namespace.
    let socketPath: String

    init(socketPath: String) {
        self.socketPath = socketPath
    }

    /// nil when NOTIFY_SOCKET is unset (not run by systemd): every call is then a no-op.
    static func fromEnvironment(
        _ env: [String: String] = ProcessInfo.processInfo.environment
    ) -> SystemdNotifier? {
        guard let path = env["NOTIFY_SOCKET"], !path.isEmpty else { return nil }
        return SystemdNotifier(socketPath: path)
    }

    /// Sends `state` as one datagram, e.g. `"READY=1\nSTATUS=caught up"`.
    func notify(_ state: String) throws(SystemdNotifierError) {
        let (address, length) = try Self.address(for: socketPath)

        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            throw SystemdNotifierError(socketPath: socketPath, operation: .socket, errorNumber: errno)
        }
        defer { close(fd) }

        let message = Array(state.utf8)
        var sockaddr = address
        while true {
            let sent = message.withUnsafeBytes { bytes in
                withUnsafePointer(to: &sockaddr) { pointer in
                    pointer.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) { generic in
                        sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), generic, length)
                    }
                }
            }
            if sent >= 0 {
                // A datagram is sent whole or not at all; a short count would mean a kernel bug,
                // but say so rather than let systemd see half an assignment.
                guard sent == message.count else {
                    throw SystemdNotifierError(socketPath: socketPath, operation: .send, errorNumber: EMSGSIZE)
                }
                return
            }
            let error = errno
            if error != EINTR {
                throw SystemdNotifierError(socketPath: socketPath, operation: .send, errorNumber: error)
            }
        }
    }

    /// `READY=1` with a status line: systemd finishes `systemctl start` and starts dependants.
    func ready(status: String) throws(SystemdNotifierError) {
        try notify("READY=1\nSTATUS=\(Self.singleLine(status))")
    }

    /// `STOPPING=1`: shutdown has begun (systemctl shows "deactivating" instead of "active").
    func stopping() throws(SystemdNotifierError) {
        try notify("STOPPING=1")
    }

    /// `WATCHDOG=1`: the keep-alive ping that `WatchdogSec=` expects; send it every half interval.
    func watchdog() throws(SystemdNotifierError) {
        try notify("WATCHDOG=1")
    }

    /// `STATUS=…`: the free-form line `systemctl status` shows.
    func status(_ text: String) throws(SystemdNotifierError) {
        try notify("STATUS=\(Self.singleLine(text))")
    }

    /// Watchdog interval from WATCHDOG_USEC (and WATCHDOG_PID must match getpid() if set); nil when no watchdog is asked.
    ///
    /// This is the whole `WatchdogSec=`: ping at half of it (as sd_watchdog_enabled(3) advises)
    /// so that one late tick does not get the service killed. WATCHDOG_PID is checked because
    /// the variables are inherited by children, which must not believe the watchdog is theirs.
    static func watchdogInterval(_ env: [String: String]) -> Duration? {
        guard let text = env["WATCHDOG_USEC"], let microseconds = UInt64(text), microseconds > 0,
              microseconds <= UInt64(Int64.max)
        else { return nil }
        if let pidText = env["WATCHDOG_PID"] {
            guard let pid = pid_t(pidText), pid == getpid() else { return nil }
        }
        return .microseconds(Int64(microseconds))
    }

    /// A status text with a newline would start a new assignment on the wire; the manager
    /// would then read the rest as `KEY=VALUE` (or drop it). Keep it to one line.
    private static func singleLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }

    /// Builds the `sockaddr_un` for `path` and the address length to pass to `sendto(2)`.
    private static func address(for path: String) throws(SystemdNotifierError) -> (sockaddr_un, socklen_t) {
        var bytes = Array(path.utf8)
        let isAbstract = bytes.first == UInt8(ascii: "@")
        guard isAbstract || bytes.first == UInt8(ascii: "/") else {
            throw SystemdNotifierError(socketPath: path, operation: .address, errorNumber: EAFNOSUPPORT)
        }
        if isAbstract {
            bytes[0] = 0
        } else if bytes.contains(0) {
            throw SystemdNotifierError(socketPath: path, operation: .address, errorNumber: EINVAL)
        }

        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        // A file path needs room for its terminating NUL; an abstract name has none.
        let needed = isAbstract ? bytes.count : bytes.count + 1
        guard needed <= capacity else {
            throw SystemdNotifierError(socketPath: path, operation: .address, errorNumber: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { sunPath in
            sunPath.copyBytes(from: bytes)  // the rest is already zero
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)
            ?? MemoryLayout<sa_family_t>.size
        return (address, socklen_t(pathOffset + needed))
    }
}

/// A notification that did not reach systemd: which socket, which step, and the errno text.
struct SystemdNotifierError: Error, CustomStringConvertible {
    enum Operation: String, Sendable {
        case address = "NOTIFY_SOCKET address"
        case socket = "socket(2)"
        case send = "sendto(2)"
    }

    let socketPath: String
    let operation: Operation
    let errorNumber: Int32

    var description: String {
        let reason = String(cString: strerror(errorNumber))
        let hint: String
        switch operation {
        case .address:
            hint = "NOTIFY_SOCKET must be an absolute path or @abstract-name of at most 107 bytes"
        case .socket:
            hint = "could not open a unix datagram socket; check RestrictAddressFamilies= allows AF_UNIX"
        case .send:
            hint = "systemd is not listening there; if the unit is Type=notify it will time out waiting for READY=1"
        }
        return "systemd notification to \(socketPath) failed: \(operation.rawValue): \(reason) (errno \(errorNumber)); \(hint)"
    }
}
