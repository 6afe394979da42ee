import Foundation

/// The one-owner guard of a database: an exclusive `flock(2)` on `<database>.lock`, held for
/// the life of the process.
///
/// Two writers on one database break exactly-once (each reads the same log and inserts the
/// same calls: measured, 300,000 lines became 550,000 rows), so `serve` and `ingest` take this
/// lock before they open the database, as Prometheus' TSDB guards its directory. `flock`
/// rather than a pid file alone: the kernel drops the lock when the holder dies, even by
/// `kill -9`, so a stale file never blocks a restart. The pid written into the file is only
/// there to name the holder in the second process's message.
///
/// Readers (`query`, `report`, the status page, a `sqlite3 -readonly` shell) take no lock:
/// WAL lets them read beside the one writer.
package final class DatabaseLock: Sendable {
    /// The lock file's path: the database's path with `.lock` appended.
    package let path: String
    private let descriptor: Int32

    /// Takes the lock beside `databasePath` or throws, naming the holder. Writes nothing to
    /// the database or its directory other than the (empty until held) lock file.
    package init(databasePath: String) throws(DatabaseLockError) {
        let path = databasePath + ".lock"
        self.path = path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw DatabaseLockError(databasePath: databasePath, lockPath: path,
                                    reason: .cannotOpen(String(cString: strerror(errno))))
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = Self.readHolder(fd)
            close(fd)
            if code == EWOULDBLOCK {
                throw DatabaseLockError(databasePath: databasePath, lockPath: path, reason: .held(pid: holder))
            }
            throw DatabaseLockError(databasePath: databasePath, lockPath: path,
                                    reason: .cannotOpen(String(cString: strerror(code))))
        }
        // Ours now: replace whatever pid a dead holder left with our own.
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        descriptor = fd
    }

    deinit {
        // Closing the descriptor releases the lock; the file stays (removing it would race
        // with a process that has just opened it and is about to lock it).
        close(descriptor)
    }

    private static func readHolder(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int32(text)
    }
}

/// The database is owned by another process, or its lock file cannot be made.
package struct DatabaseLockError: Error, CustomStringConvertible, Sendable {
    package enum Reason: Sendable, Equatable {
        /// Another live process holds the lock; its pid when it wrote one.
        case held(pid: Int32?)
        case cannotOpen(String)
    }

    package var databasePath: String
    package var lockPath: String
    package var reason: Reason

    package var description: String {
        switch reason {
        case .held(let pid):
            let holder = pid.map { "process \($0)" } ?? "another process"
            return "the database \(databasePath) is in use by \(holder) (lock \(lockPath)): "
                + "only one serve or ingest may write a database; stop that process or give this one its own --storage.path"
        case .cannotOpen(let message):
            return "cannot create the lock file \(lockPath) beside the database \(databasePath): \(message) "
                + "(check the directory exists and is writable)"
        }
    }
}
