import Foundation
package import Logging

/// Follows every call log that matches `--calllog.path`: one path, or a glob such as
/// `/var/log/gateway/*.jsonl` for gateways whose workers each write their own log.
///
/// Each matching path gets its own `CallLogTailer`, so each file is checkpointed on its own
/// with the same exactly-once guarantee. The glob is expanded again every second, so files
/// that appear later are picked up. A path whose file is already being read under another
/// name (a rotated `worker-1.jsonl.1` matched by `*.jsonl*`) or was read to its end before
/// (same device, inode and first bytes) is not read again. The exported series are the sum
/// over all files: files are not a label.
package final class CallLogSet {
    package let pattern: String
    private let isGlob: Bool
    private let maxLineBytes: Int
    private let rotationGrace: Double
    private let clock: MonotonicClock
    private let logger: Logger
    private var tailers: [String: CallLogTailer] = [:]
    /// Files read to their end, by identity, with their fingerprints.
    private var finishedFiles: [FileIdentity: [UInt8]] = [:]
    private var lastScan = -Double.infinity
    static let rescanInterval = 1.0

    /// - Parameter clock: times the rescan interval and, in every tailer, the rotation grace.
    package init(pattern: String, stored: [SourceFile], finished: [SourceFile], maxLineBytes: Int, rotationGrace: Double = 2,
                clock: MonotonicClock = .system, logger: Logger) {
        self.pattern = pattern
        self.isGlob = pattern.contains { "*?[".contains($0) }
        self.maxLineBytes = maxLineBytes
        self.rotationGrace = rotationGrace
        self.clock = clock
        self.logger = logger
        for source in finished { finishedFiles[source.identity] = source.fingerprint }
        // Only files of this pattern: sources of a path no longer configured are left alone.
        let followed = stored.filter { isGlob ? fnmatch(pattern, $0.path, FNM_PATHNAME) == 0 : $0.path == pattern }
        let byPath = Dictionary(grouping: followed, by: \.path)
        for (path, sources) in byPath {
            tailers[path] = CallLogTailer(path: path, stored: sources, maxLineBytes: maxLineBytes, rotationGrace: rotationGrace, clock: clock, logger: logger)
        }
        if !isGlob && tailers[pattern] == nil {
            tailers[pattern] = CallLogTailer(path: pattern, stored: [], maxLineBytes: maxLineBytes, rotationGrace: rotationGrace, clock: clock, logger: logger)
        }
    }

    /// Polls every file, up to about `lineBudget` lines in all.
    package func poll(into sink: some CallLogSink, lineBudget: Int) throws -> (lines: Int, bytes: Int64, caughtUp: Bool) {
        let now = clock.now()
        if isGlob && now - lastScan >= Self.rescanInterval {
            lastScan = now
            scan()
        }
        var lines = 0
        var bytes: Int64 = 0
        var caughtUp = true
        for path in tailers.keys.sorted() {
            guard let tailer = tailers[path] else { continue }
            let budget = lineBudget - lines
            if budget <= 0 {
                caughtUp = false
                break
            }
            let result = try tailer.poll(into: sink, lineBudget: budget)
            lines += result.lines
            bytes += result.bytes
            caughtUp = caughtUp && result.caughtUp
            for position in tailer.finishedSinceCommit where position.state == .finished {
                if let identity = tailer.identity(of: position.id) { finishedFiles[identity] = position.fingerprint }
            }
        }
        return (lines, bytes, caughtUp)
    }

    private func scan() {
        var matches = glob(pattern)
        matches.sort()
        let open = Set(tailers.values.flatMap(\.openIdentities))
        for path in matches where tailers[path] == nil {
            var st = stat()
            guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            let identity = FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
            if open.contains(identity) { continue }
            if let fingerprint = finishedFiles[identity], Self.startsWith(path: path, fingerprint) { continue }
            logger.info("call log matched the pattern", metadata: ["file": "\(path)", "pattern": "\(pattern)"])
            tailers[path] = CallLogTailer(path: path, stored: [], maxLineBytes: maxLineBytes, rotationGrace: rotationGrace, clock: clock, logger: logger)
        }
        // Forget paths that are gone and fully read (dated logs deleted by their rotation).
        for (path, tailer) in tailers where tailer.isIdle && !matches.contains(path) {
            tailers[path] = nil
        }
    }

    private static func startsWith(path: String, _ fingerprint: [UInt8]) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return TailedFile.hasPrefix(fd: fd, fingerprint)
    }

    private func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }
    }

    package func positions() -> [SourcePosition] {
        tailers.keys.sorted().flatMap { tailers[$0]!.positions() }
    }

    package func didCommit() {
        for tailer in tailers.values { tailer.didCommit() }
    }

    /// The files summed: exists when every followed path exists (a single log: that log).
    package var status: CallLogStatus {
        let statuses = tailers.keys.sorted().map { tailers[$0]!.status }
        guard isGlob else { return statuses.first ?? CallLogStatus(path: pattern) }
        var status = CallLogStatus(path: pattern, fileExists: !statuses.isEmpty && statuses.allSatisfy(\.fileExists))
        for item in statuses {
            status.readOffset += item.readOffset
            status.fileSize += item.fileSize
            status.drainingFiles += item.drainingFiles
            status.lagBytes += item.lagBytes
            if status.lastError == nil { status.lastError = item.lastError }
        }
        status.files = statuses.count
        return status
    }
}
