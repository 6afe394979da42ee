import Foundation
package import Logging

/// Follows the call log at one path like `tail -F`, handing every complete line to a sink
/// exactly once across rotations, truncations and restarts (with the store committing the
/// positions from `positions()` in the same transaction as the lines).
///
/// The cases, as the tests exercise them (`CallLogTailerTests`):
/// - **Appends** are read on the next poll; the ingest loop polls every 100 ms when idle, so a
///   line is visible in /metrics well within a second.
/// - **A partial last line** (no newline yet) stays unread: its offset is the stored position,
///   so after a restart it is read again from its first byte once the newline arrives.
/// - **Rotation by rename + create** (logrotate's default): the path now names a new inode.
///   The old file is read to its end first, then the new file from its start. The old file
///   stays open for `rotationGrace` in case the writer still appends to it before reopening;
///   then its last partial line, if any, is handed over as a line and the file is finished.
///   After a restart the renamed file is found again by device + inode among the siblings of
///   the path (`calls.jsonl.1`, `calls.jsonl-20261127`) and read from its stored position.
/// - **copytruncate, or any truncation**: the file is shorter than what was read, or its first
///   bytes changed (rewritten past our offset between two polls). Reading starts again from
///   offset 0 and the sink is told (`model_exporter_calllog_truncations_total`). Lines
///   written between logrotate's copy and its truncate are lost by copytruncate itself.
/// - **Missing at start, or deleted**: the tailer waits for the path to appear, polling with
///   `stat` (no busy loop), and reports `fileExists == false` in its status. A deleted file
///   that is still open is read to its end.
/// - **Identity**: device + inode + the first 256 bytes (the fingerprint). An inode reused
///   by a new file has other first bytes, so it is read from the start, not from the old offset.
/// - **Long lines**: see `TailedFile`; they reach the sink as `oversizedLine` with 4 KiB.
package final class CallLogTailer {
    package let path: String
    private let maxLineBytes: Int
    private let rotationGrace: Double
    private let clock: MonotonicClock
    private let logger: Logger

    private var active: TailedFile?
    private var draining: [TailedFile] = []
    private var finished: [SourcePosition] = []
    private var finishedIdentities: [Int64: FileIdentity] = [:]
    private var toResume: [SourceFile]?
    private var pathExists = false
    private var lastError: String?
    private var loggedMissing = false

    /// - Parameters:
    ///   - stored: the sources not finished in the last run, from the store.
    ///   - rotationGrace: seconds a renamed-away file is still read after its last new byte.
    ///   - clock: what the grace is measured on; tests pass one they advance by hand.
    package init(path: String, stored: [SourceFile], maxLineBytes: Int, rotationGrace: Double = 2,
                clock: MonotonicClock = .system, logger: Logger) {
        self.path = path
        self.maxLineBytes = maxLineBytes
        self.rotationGrace = rotationGrace
        self.clock = clock
        self.logger = logger
        self.toResume = stored
    }

    /// Reads what is available, up to about `lineBudget` lines. Returns the lines and bytes
    /// handed over and whether every open file was read to its end.
    package func poll(into sink: some CallLogSink, lineBudget: Int) throws -> (lines: Int, bytes: Int64, caughtUp: Bool) {
        if let stored = toResume {
            toResume = nil
            try resume(stored, sink: sink)
        }
        var lines = 0
        var bytes: Int64 = 0
        var caughtUp = true

        // Renamed-away files first: their lines are older than the new file's.
        var index = 0
        while index < draining.count {
            let file = draining[index]
            if file.checkTruncated() {
                sink.fileTruncated(source: file.sourceID)
                file.restartFromBeginning()
            }
            let result = try readLogged(file, sink: sink, budget: max(0, lineBudget - lines))
            lines += result.lines
            bytes += result.bytes
            if !result.eof {
                caughtUp = false
                return (lines, bytes, caughtUp)
            }
            if clock.now() - max(file.lastDataAt, file.rotatedAt ?? 0) >= rotationGrace {
                bytes += file.flushPartialLine(into: sink)
                finished.append(SourcePosition(id: file.sourceID, readOffset: file.readOffset, fingerprint: file.fingerprint, state: .finished))
                finishedIdentities[file.sourceID] = file.identity
                draining.remove(at: index)
                logger.info("finished reading rotated call log", metadata: ["file": "\(file.path)", "source": "\(file.sourceID)"])
                continue
            }
            index += 1
        }

        if active == nil {
            try openPath(sink: sink)
        }
        guard let file = active else { return (lines, bytes, caughtUp) }
        if file.checkTruncated() {
            logger.warning("call log truncated; reading again from the start", metadata: ["file": "\(path)"])
            sink.fileTruncated(source: file.sourceID)
            file.restartFromBeginning()
        }
        let result = try readLogged(file, sink: sink, budget: max(0, lineBudget - lines))
        lines += result.lines
        bytes += result.bytes
        if !result.eof { return (lines, bytes, false) }

        // At the end of the active file: has the path moved on to another file?
        var st = stat()
        if stat(path, &st) != 0 {
            pathExists = false
            if !loggedMissing {
                logger.warning("call log path no longer exists; reading the open file to its end and waiting for a new one", metadata: ["file": "\(path)"])
                loggedMissing = true
            }
        } else {
            pathExists = true
            loggedMissing = false
            let identity = FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
            if identity != file.identity {
                logger.info("call log rotated; finishing the old file and following the new one", metadata: ["file": "\(path)"])
                file.rotatedAt = clock.now()
                draining.append(file)
                active = nil
                sink.fileRotated(source: file.sourceID)
                try openPath(sink: sink)
                return (lines, bytes, false)
            }
        }
        return (lines, bytes, caughtUp)
    }

    private func readLogged(_ file: TailedFile, sink: some CallLogSink, budget: Int) throws -> (lines: Int, bytes: Int64, eof: Bool) {
        do {
            let result = try file.readLines(into: sink, budget: budget)
            lastError = nil
            return result
        } catch {
            lastError = error.description
            throw error
        }
    }

    /// Read positions of every file read since the last commit, to store with the batch.
    package func positions() -> [SourcePosition] {
        var result = finished
        for file in draining {
            result.append(SourcePosition(id: file.sourceID, readOffset: file.readOffset, fingerprint: file.fingerprint, state: .rotated))
        }
        if let file = active {
            result.append(SourcePosition(id: file.sourceID, readOffset: file.readOffset, fingerprint: file.fingerprint, state: .active))
        }
        return result
    }

    /// Identities of the files this tailer has open (the active one and renamed ones).
    var openIdentities: [FileIdentity] {
        draining.map(\.identity) + (active.map { [$0.identity] } ?? [])
    }

    func identity(of source: Int64) -> FileIdentity? {
        (draining + (active.map { [$0] } ?? [])).first { $0.sourceID == source }?.identity ?? finishedIdentities[source]
    }

    /// Files finished since the last commit, with their fingerprints.
    var finishedSinceCommit: [SourcePosition] { finished }

    /// Nothing open, nothing to resume, and the path is gone: a dated file of a glob that was
    /// deleted after it was read.
    var isIdle: Bool {
        active == nil && draining.isEmpty && toResume == nil && !pathExists && finished.isEmpty
    }

    /// The positions from `positions()` are stored: finished files need not be written again.
    package func didCommit() {
        finished.removeAll()
        finishedIdentities.removeAll()
    }

    package var status: CallLogStatus {
        var status = CallLogStatus(path: path, fileExists: pathExists, drainingFiles: draining.count, lastError: lastError)
        if let file = active {
            status.readOffset = file.readOffset
            status.fileSize = file.size() ?? 0
        }
        var lag: Int64 = 0
        for file in draining + (active.map { [$0] } ?? []) {
            lag += max(0, (file.size() ?? 0) - file.readOffset)
        }
        status.lagBytes = lag
        return status
    }

    // MARK: Opening files

    private func openPath(sink: some CallLogSink) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            pathExists = code != ENOENT
            if code == ENOENT {
                if !loggedMissing {
                    logger.warning("call log does not exist yet; waiting for it", metadata: ["file": "\(path)"])
                    loggedMissing = true
                }
                lastError = nil
            } else {
                lastError = TailError.open(path: path, errno: code).description
            }
            return
        }
        pathExists = true
        loggedMissing = false
        var st = stat()
        fstat(fd, &st)
        let identity = FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
        let fingerprint = TailedFile.readFingerprint(fd: fd)
        let id: Int64
        do {
            id = try sink.registerSource(path: path, identity: identity, fingerprint: fingerprint)
        } catch {
            close(fd)
            throw error
        }
        active = TailedFile(fd: fd, identity: identity, sourceID: id, path: path, fingerprint: fingerprint, offset: 0,
                            maxLineBytes: maxLineBytes, clock: clock)
        logger.info("following call log", metadata: ["file": "\(path)", "source": "\(id)", "size": "\(st.st_size)"])
    }

    /// Finds the files of the last run again and continues each from its stored position.
    private func resume(_ stored: [SourceFile], sink: some CallLogSink) throws {
        for source in stored {
            guard let (fd, foundPath) = locate(source) else {
                logger.warning("a call log file of the last run is gone; lines it held after the stored position are lost",
                               metadata: ["file": "\(source.path)", "source": "\(source.id)", "offset": "\(source.readOffset)"])
                sink.fileLost(source: source.id)
                finished.append(SourcePosition(id: source.id, readOffset: source.readOffset, fingerprint: source.fingerprint, state: .finished))
                continue
            }
            let file = TailedFile(fd: fd, identity: source.identity, sourceID: source.id, path: foundPath,
                                  fingerprint: source.fingerprint, offset: source.readOffset, maxLineBytes: maxLineBytes, clock: clock)
            if (file.size() ?? 0) < source.readOffset {
                logger.warning("call log is shorter than the stored position; reading again from the start",
                               metadata: ["file": "\(foundPath)", "offset": "\(source.readOffset)"])
                sink.fileTruncated(source: source.id)
                file.restartFromBeginning()
            }
            if foundPath == path && active == nil {
                active = file
                pathExists = true
                logger.info("resuming call log", metadata: ["file": "\(path)", "source": "\(source.id)", "offset": "\(source.readOffset)"])
            } else {
                file.rotatedAt = clock.now()
                draining.append(file)
                logger.info("resuming rotated call log", metadata: ["file": "\(foundPath)", "source": "\(source.id)", "offset": "\(source.readOffset)"])
            }
        }
    }

    /// Looks for a stored file by identity at the path and among its siblings (rotated names).
    private func locate(_ source: SourceFile) -> (Int32, String)? {
        for candidate in candidates(for: source) {
            var st = stat()
            guard stat(candidate, &st) == 0,
                  UInt64(st.st_dev) == source.identity.device, UInt64(st.st_ino) == source.identity.inode else { continue }
            let fd = open(candidate, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            if TailedFile.hasPrefix(fd: fd, source.fingerprint) { return (fd, candidate) }
            close(fd)
        }
        return nil
    }

    private func candidates(for source: SourceFile) -> [String] {
        var result = [path]
        if source.path != path { result.append(source.path) }
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let base = url.lastPathComponent
        if let names = try? FileManager.default.contentsOfDirectory(atPath: directory) {
            for name in names.sorted() where name != base && name.hasPrefix(base) {
                result.append(directory + "/" + name)
            }
        }
        return result
    }
}
