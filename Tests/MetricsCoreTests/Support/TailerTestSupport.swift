import Foundation
import Logging
import Testing
@testable import MetricsCore

/// Records everything a `CallLogTailer` hands over and plays the store's part in it: source ids
/// are assigned 1, 2, 3… in registration order, and what `registerSource` was told is kept so
/// that a restart can be given exactly what `CallStore.openSources()` would return.
final class TailRecorder: CallLogSink {
    struct Line: Equatable, CustomStringConvertible {
        var source: Int64
        var offset: Int64
        var text: String

        var description: String { "\(source)@\(offset) \(text.prefix(60).debugDescription)" }

        /// The lines `texts` as one file holds them, each followed by a newline, from `offset`.
        static func sequence(_ texts: [String], source: Int64, from offset: Int64 = 0) -> [Line] {
            var next = offset
            return texts.map { text in
                defer { next += Int64(text.utf8.count) + 1 }
                return Line(source: source, offset: next, text: text)
            }
        }
    }

    struct OversizedLine: Equatable, CustomStringConvertible {
        var source: Int64
        var offset: Int64
        var length: Int64
        var excerpt: [UInt8]

        var description: String { "\(source)@\(offset) length \(length), excerpt of \(excerpt.count) bytes" }
    }

    struct Source: Equatable {
        var id: Int64
        var path: String
        var identity: FileIdentity
        var fingerprint: [UInt8]
    }

    private(set) var lines: [Line] = []
    private(set) var oversized: [OversizedLine] = []
    private(set) var sources: [Source] = []
    private(set) var rotations: [Int64] = []
    private(set) var truncations: [Int64] = []
    private(set) var lostFiles: [Int64] = []

    func line(_ bytes: UnsafeRawBufferPointer, source: Int64, offset: Int64) {
        lines.append(Line(source: source, offset: offset, text: String(decoding: bytes, as: UTF8.self)))
    }

    func oversizedLine(source: Int64, offset: Int64, length: Int64, excerpt: UnsafeRawBufferPointer) {
        oversized.append(OversizedLine(source: source, offset: offset, length: length, excerpt: Array(excerpt)))
    }

    func registerSource(path: String, identity: FileIdentity, fingerprint: [UInt8]) throws -> Int64 {
        let id = Int64(sources.count + 1)
        sources.append(Source(id: id, path: path, identity: identity, fingerprint: fingerprint))
        return id
    }

    func fileRotated(source: Int64) { rotations.append(source) }
    func fileTruncated(source: Int64) { truncations.append(source) }
    func fileLost(source: Int64) { lostFiles.append(source) }

    func lines(of source: Int64) -> [Line] { lines.filter { $0.source == source } }

    /// What the store hands back at start after `positions` were committed: every source not
    /// finished, by id, with the path and identity it was registered with (the store never
    /// updates those) and the committed offset and fingerprint.
    func storedSources(after positions: [SourcePosition]) -> [SourceFile] {
        positions.filter { $0.state != .finished }.sorted { $0.id < $1.id }.compactMap { position in
            guard let source = sources.first(where: { $0.id == position.id }) else {
                Issue.record("position for source \(position.id), which was never registered")
                return nil
            }
            return SourceFile(id: position.id, path: source.path, identity: source.identity,
                              fingerprint: position.fingerprint, readOffset: position.readOffset, state: position.state)
        }
    }
}

/// Writes the call log like the gateway does: one descriptor opened with O_APPEND and kept
/// open, so after a rename it goes on writing to the renamed file until `reopen()`.
final class CallLogWriter {
    let path: String
    private var fd: Int32

    init(path: String) {
        self.path = path
        fd = Self.open(path)
    }

    deinit {
        if fd >= 0 { Foundation.close(fd) }
    }

    private static func open(_ path: String) -> Int32 {
        let fd = Foundation.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 { Issue.record("cannot open \(path) for writing: \(String(cString: strerror(errno)))") }
        return fd
    }

    func write(_ bytes: some Collection<UInt8>) {
        var remaining = Array(bytes)[...]
        while !remaining.isEmpty {
            let n = remaining.withUnsafeBytes { Foundation.write(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                Issue.record("cannot write to \(path): \(String(cString: strerror(errno)))")
                return
            }
            remaining = remaining.dropFirst(n)
        }
    }

    func write(_ text: String) { write(Array(text.utf8)) }

    /// Writes each line followed by a newline.
    func write(lines: some Sequence<String>) {
        write(lines.map { $0 + "\n" }.joined())
    }

    /// What a writer does after logrotate's rename: open the path again, creating a new file.
    func reopen() {
        Foundation.close(fd)
        fd = Self.open(path)
    }

    /// copytruncate's second step, on the writer's own descriptor (O_APPEND then writes at 0).
    func truncate(to length: Int64 = 0) {
        if ftruncate(fd, off_t(length)) != 0 { Issue.record("cannot truncate \(path): \(String(cString: strerror(errno)))") }
    }
}

/// A call log in a fresh directory with a tailer and its recorder, stepped by hand: the tests
/// call `poll()` after every file operation instead of waiting for the ingest loop, and time
/// (the rotation grace) moves only when `time` is advanced, by `settle()` or by a test.
final class TailerBench {
    let directory = TemporaryDirectory()
    let path: String
    let recorder = TailRecorder()
    /// The tailer's clock, shared across `restart()`: only the grace's length matters, not
    /// where a new process's monotonic clock starts.
    let time = ManualClock()
    private(set) var tailer: CallLogTailer
    let maxLineBytes: Int
    private(set) var rotationGrace: Double

    static let logger = Logger(label: "CallLogTailerTests") { _ in SwiftLogNoOpLogHandler() }

    /// - Parameter rotationGrace: 0 by default, so a renamed file is finished on the poll after
    ///   it was read to its end, as most tests want; a test of the grace itself passes one and
    ///   lets `settle()` (or `time`) run it out.
    init(maxLineBytes: Int = 1 << 20, rotationGrace: Double = 0) {
        path = directory.file("calls.jsonl")
        self.maxLineBytes = maxLineBytes
        self.rotationGrace = rotationGrace
        tailer = CallLogTailer(path: path, stored: [], maxLineBytes: maxLineBytes, rotationGrace: rotationGrace,
                               clock: time.clock, logger: Self.logger)
    }

    func file(_ name: String) -> String { directory.file(name) }

    /// A writer of the call log; creates the file when it does not exist.
    func writer() -> CallLogWriter { CallLogWriter(path: path) }

    @discardableResult
    func poll(lineBudget: Int = 10_000) throws -> (lines: Int, bytes: Int64, caughtUp: Bool) {
        try tailer.poll(into: recorder, lineBudget: lineBudget)
    }

    /// Polls until a poll reads nothing, is caught up and no renamed file is left open; lets
    /// the rotation grace run out when there is one. Returns the number of polls.
    @discardableResult
    func settle(maxPolls: Int = 10_000) throws -> Int {
        for polls in 1...maxPolls {
            let result = try poll()
            if result.caughtUp && result.lines == 0 && result.bytes == 0 && tailer.status.drainingFiles == 0 { return polls }
            // A poll that read nothing while a renamed file is open: what is left is the grace,
            // a stretch with no new bytes. Nothing is written during settle(), so the whole
            // grace passing at once is what a real clock would also show, minus the wait.
            if result.lines == 0 && result.bytes == 0 && tailer.status.drainingFiles > 0 { time.advance(by: rotationGrace) }
        }
        Issue.record("the tailer did not settle within \(maxPolls) polls (\(tailer.status.drainingFiles) renamed files open)")
        return maxPolls
    }

    /// Replaces the tailer by one started as after a restart: from the sources the store would
    /// hold after committing the current tailer's `positions()`, or from `stored` when given.
    func restart(stored: [SourceFile]? = nil, rotationGrace: Double? = nil) {
        let sources = stored ?? recorder.storedSources(after: tailer.positions())
        if let rotationGrace { self.rotationGrace = rotationGrace }
        tailer = CallLogTailer(path: path, stored: sources, maxLineBytes: maxLineBytes, rotationGrace: self.rotationGrace,
                               clock: time.clock, logger: Self.logger)
    }

    /// rename(2) within the directory, as logrotate does; the call log by default.
    func rename(from name: String = "calls.jsonl", to newName: String) throws {
        guard Foundation.rename(file(name), file(newName)) == 0 else { throw BenchError(path: file(name), errno: errno) }
    }

    /// Device and inode of the file at `path`.
    static func identity(of path: String) throws -> FileIdentity {
        var st = stat()
        guard stat(path, &st) == 0 else { throw BenchError(path: path, errno: errno) }
        return FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    static func fingerprint(of path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw BenchError(path: path, errno: ENOENT) }
        return Array(data.prefix(FileIdentity.fingerprintLength))
    }

    static func size(of path: String) throws -> Int64 {
        var st = stat()
        guard stat(path, &st) == 0 else { throw BenchError(path: path, errno: errno) }
        return Int64(st.st_size)
    }

    /// `count` lines of generated gateway traffic; another `seed` gives other first bytes.
    static func generatedLines(count: Int, seed: UInt64 = 1) -> [String] {
        var generator = CallLogGenerator(seed: seed, startTimestamp: 1_795_763_523 + Double(seed) * 86_400)
        return (0..<count).map { _ in generator.nextLine() }
    }

    /// Byte length of `lines` in the file, newlines included.
    static func length(of lines: some Sequence<String>) -> Int64 {
        lines.reduce(0) { $0 + Int64($1.utf8.count) + 1 }
    }
}

extension TailerBench {
    /// A file operation of a test failed.
    struct BenchError: Error, CustomStringConvertible {
        var path: String
        var errno: Int32
        var description: String { "\(path): \(String(cString: strerror(errno)))" }
    }
}
