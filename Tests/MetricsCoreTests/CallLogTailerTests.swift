// Over 400 lines on purpose: one group per case of CallLogTailer's type comment, in its order,
// so the list there and the proofs here read side by side.
import Foundation
import Testing
@testable import MetricsCore

/// The `tail -F` cases of `CallLogTailer`'s type comment, one group each. Every test steps the
/// tailer by hand (`poll()` after each file operation) in a directory of its own; a restart is a
/// new tailer given what the store would hold after committing the old one's `positions()`.
@Suite struct CallLogTailerTests {
    typealias Line = TailRecorder.Line
    typealias OversizedLine = TailRecorder.OversizedLine

    static func lines(_ count: Int, seed: UInt64 = 1) -> [String] {
        TailerBench.generatedLines(count: count, seed: seed)
    }

    static func length(_ lines: some Sequence<String>) -> Int64 {
        TailerBench.length(of: lines)
    }

    /// The first bytes of a file holding `lines`: the fingerprint the tailer keeps for it.
    static func fingerprint(_ lines: some Sequence<String>) -> [UInt8] {
        Array(lines.map { $0 + "\n" }.joined().utf8.prefix(FileIdentity.fingerprintLength))
    }

    static func position(_ id: Int64, _ lines: [String], _ state: SourceFile.State) -> SourcePosition {
        SourcePosition(id: id, readOffset: length(lines), fingerprint: fingerprint(lines), state: state)
    }

    // MARK: - Appends

    enum Chunk: Sendable, CustomTestStringConvertible {
        case bytes(Int)
        case wholeFile

        func size(of total: Int) -> Int {
            switch self {
            case .bytes(let n): n
            case .wholeFile: total
            }
        }

        var testDescription: String {
            switch self {
            case .bytes(let n): "\(n)-byte chunks"
            case .wholeFile: "whole file at once"
            }
        }
    }

    @Test("appended lines arrive once, in order, at their offsets, and never partial",
          arguments: [Chunk.bytes(1), .bytes(2), .bytes(3), .bytes(7), .bytes(64), .bytes(4096), .wholeFile])
    func appendsInChunks(chunk: Chunk) throws {
        let bench = TailerBench()
        let writer = bench.writer()
        let texts = Self.lines(40)
        let bytes = Array(texts.map { $0 + "\n" }.joined().utf8)
        let size = chunk.size(of: bytes.count)
        var written = 0
        var complete = 0
        while written < bytes.count {
            let end = min(written + size, bytes.count)
            writer.write(bytes[written..<end])
            complete += bytes[written..<end].count(where: { $0 == 0x0A })
            written = end
            let result = try bench.poll()
            // Every complete line is handed over on the poll after its newline, none before.
            guard bench.recorder.lines.count == complete, result.caughtUp else {
                Issue.record("after \(written) bytes: \(bench.recorder.lines.count) lines handed over, \(complete) complete, caught up \(result.caughtUp)")
                break
            }
        }
        #expect(bench.recorder.lines == Line.sequence(texts, source: 1))
        #expect(bench.recorder.oversized.isEmpty)
        #expect(bench.tailer.positions() == [Self.position(1, texts, .active)])
    }

    @Test("a log larger than the read chunk is read whole in one poll, lines straddling chunk ends")
    func logLargerThanTheReadChunk() throws {
        let bench = TailerBench()
        let texts = Self.lines(4_000)
        #expect(Self.length(texts) > 4 * Int64(TailedFile.readChunk))
        bench.writer().write(lines: texts)
        let result = try bench.poll()
        #expect(result.lines == texts.count)
        #expect(result.bytes == Self.length(texts))
        #expect(result.caughtUp)
        #expect(bench.recorder.lines == Line.sequence(texts, source: 1))
    }

    @Test("a line within the limit but longer than the read buffer arrives whole",
          arguments: [Chunk.wholeFile, .bytes(100_000)])
    func lineLongerThanTheReadBuffer(chunk: Chunk) throws {
        // A 2 MiB limit makes the buffer start at 1.25 MiB, so this line has to grow it.
        let bench = TailerBench(maxLineBytes: 2 << 20)
        let writer = bench.writer()
        let long = String(repeating: "0123456789abcdef", count: (3 << 20) / 32)
        let texts = ["first", long, "last"]
        let bytes = Array(texts.map { $0 + "\n" }.joined().utf8)
        let size = chunk.size(of: bytes.count)
        for start in stride(from: 0, to: bytes.count, by: size) {
            writer.write(bytes[start..<min(start + size, bytes.count)])
            try bench.poll()
        }
        #expect(bench.recorder.lines == Line.sequence(texts, source: 1))
        #expect(bench.recorder.oversized.isEmpty)
    }

    @Test("the line budget caps the lines of one poll; the rest come on the next polls")
    func lineBudget() throws {
        let bench = TailerBench()
        let texts = Self.lines(10)
        bench.writer().write(lines: texts)
        var results: [(Int, Bool)] = []
        for _ in 0..<4 {
            let result = try bench.poll(lineBudget: 3)
            results.append((result.lines, result.caughtUp))
        }
        #expect(results.map(\.0) == [3, 3, 3, 1])
        #expect(results.map(\.1) == [false, false, false, true])
        #expect(bench.recorder.lines == Line.sequence(texts, source: 1))
    }

    @Test("status reports the committed offset, the file size and the bytes still unread")
    func statusReportsLag() throws {
        let bench = TailerBench()
        let texts = Self.lines(5)
        bench.writer().write(lines: texts)
        try bench.poll(lineBudget: 2)
        let status = bench.tailer.status
        #expect(status.fileExists)
        #expect(status.readOffset == Self.length(texts.prefix(2)))
        #expect(status.fileSize == Self.length(texts))
        #expect(status.lagBytes == Self.length(texts.suffix(3)))
        #expect(status.drainingFiles == 0)
        #expect(status.lastError == nil)
    }

    // MARK: - Partial lines

    @Test("a partial last line waits for its newline")
    func partialLastLineWaits() throws {
        let bench = TailerBench()
        let writer = bench.writer()
        writer.write("first\nsec")
        try bench.poll()
        #expect(bench.recorder.lines == [Line(source: 1, offset: 0, text: "first")])
        // The stored position is the partial line's first byte, not what was read.
        #expect(bench.tailer.positions().map(\.readOffset) == [6])
        try bench.poll()
        #expect(bench.recorder.lines.count == 1)
        writer.write("ond\n")
        try bench.poll()
        #expect(bench.recorder.lines == Line.sequence(["first", "second"], source: 1))
    }

    @Test("a partial last line at a restart arrives once, at its original offset, when finished")
    func partialLastLineAcrossRestart() throws {
        let bench = TailerBench()
        let writer = bench.writer()
        let texts = Self.lines(3)
        let last = Array(texts[2].utf8)
        writer.write(lines: texts.prefix(2))
        writer.write(last.prefix(100))
        try bench.poll()
        #expect(bench.tailer.positions().map(\.readOffset) == [Self.length(texts.prefix(2))])

        bench.restart()
        try bench.poll()
        #expect(bench.recorder.lines.count == 2)
        writer.write(last.dropFirst(100) + [0x0A])
        try bench.poll()
        #expect(bench.recorder.lines == Line.sequence(texts, source: 1))
        #expect(bench.recorder.sources.count == 1)
        #expect(bench.recorder.truncations.isEmpty)
    }

    // MARK: - Rotation by rename + create

    @Test("rename rotation: the old file is read to its end, including lines written after the rename, then the new file from its start")
    func renameRotation() throws {
        let bench = TailerBench()
        let writer = bench.writer()
        let old = Self.lines(8, seed: 1)
        let new = Self.lines(4, seed: 2)
        writer.write(lines: old[0..<5])
        try bench.poll()

        try bench.rename(to: "calls.jsonl.1")
        writer.write(lines: old[5..<7])
        try bench.poll()
        // Between the rename and the create the path is missing, but the open file is read.
        #expect(bench.tailer.status.fileExists == false)
        #expect(bench.recorder.lines.count == 7)

        writer.write(lines: old[7...])
        writer.reopen()
        writer.write(lines: new)
        try bench.settle()

        #expect(bench.recorder.lines == Line.sequence(old, source: 1) + Line.sequence(new, source: 2))
        #expect(bench.recorder.rotations == [1])
        #expect(bench.recorder.truncations.isEmpty)
        #expect(bench.recorder.sources.map(\.path) == [bench.path, bench.path])
        #expect(try bench.recorder.sources.map(\.identity) == [
            TailerBench.identity(of: bench.file("calls.jsonl.1")), TailerBench.identity(of: bench.path),
        ])
        #expect(bench.tailer.positions() == [Self.position(1, old, .finished), Self.position(2, new, .active)])
        #expect(bench.tailer.status.fileExists)
    }

    @Test("a renamed file is read during the grace, then its unterminated last line is handed over")
    func renamedFileGrace() throws {
        // The bench's clock stands still between polls, so the grace stays open until
        // settle() advances it past; its length only has to be more than zero.
        let bench = TailerBench(rotationGrace: 1)
        let writer = bench.writer()
        let old = Self.lines(4, seed: 1)
        let new = Self.lines(2, seed: 2)
        writer.write(lines: old[0..<3])
        try bench.poll()
        try bench.rename(to: "calls.jsonl.1")
        writer.reopen()
        writer.write(lines: new[0..<1])
        try bench.poll()
        #expect(bench.recorder.rotations == [1])
        #expect(bench.tailer.status.drainingFiles == 1)

        // A writer that has not reopened yet still appends to the renamed file.
        let laggard = CallLogWriter(path: bench.file("calls.jsonl.1"))
        laggard.write(lines: old[3...])
        laggard.write("cut off by a crash")
        writer.write(lines: new[1...])
        try bench.poll()
        try bench.poll()
        #expect(bench.recorder.lines(of: 1) == Line.sequence(old, source: 1))
        #expect(bench.tailer.status.drainingFiles == 1)
        // Most of the grace gone since the laggard's last bytes: the file is still open.
        bench.time.advance(by: 0.9)
        try bench.poll()
        #expect(bench.tailer.status.drainingFiles == 1)

        try bench.settle()
        let unterminated = Line(source: 1, offset: Self.length(old), text: "cut off by a crash")
        #expect(bench.recorder.lines(of: 1) == Line.sequence(old, source: 1) + [unterminated])
        #expect(bench.recorder.lines(of: 2) == Line.sequence(new, source: 2))
        let finished = bench.tailer.positions().first { $0.id == 1 }
        #expect(finished?.state == .finished)
        #expect(finished?.readOffset == Self.length(old) + Int64("cut off by a crash".utf8.count))
    }

    @Test("restart after a rename: the renamed file is found by inode, read from the stored offset and finished, then the new file")
    func restartAfterRename() throws {
        let bench = TailerBench()
        let writer = bench.writer()
        let old = Self.lines(8, seed: 1)
        let new = Self.lines(3, seed: 2)
        writer.write(lines: old[0..<5])
        try bench.poll()

        // Stopped here; positions were committed while calls.jsonl was the old file.
        try bench.rename(to: "calls.jsonl.1")
        writer.write(lines: old[5...])
        writer.reopen()
        writer.write(lines: new)
        bench.restart()
        try bench.settle()

        #expect(bench.recorder.lines == Line.sequence(old, source: 1) + Line.sequence(new, source: 2))
        #expect(bench.recorder.lostFiles.isEmpty)
        #expect(bench.recorder.truncations.isEmpty)
        #expect(bench.tailer.positions() == [Self.position(1, old, .finished), Self.position(2, new, .active)])
    }

    @Test("restart while a renamed file is still being read continues both files where they were")
    func restartWhileDraining() throws {
        let bench = TailerBench(rotationGrace: 3_600)
        let writer = bench.writer()
        let old = Self.lines(7, seed: 1)
        let new = Self.lines(5, seed: 2)
        writer.write(lines: old[0..<4])
        try bench.poll()
        try bench.rename(to: "calls.jsonl.1")
        writer.reopen()
        writer.write(lines: new[0..<2])
        try bench.poll()
        try bench.poll()
        #expect(bench.tailer.positions().map(\.state) == [.rotated, .active])

        bench.restart(rotationGrace: 0)
        CallLogWriter(path: bench.file("calls.jsonl.1")).write(lines: old[4...])
        writer.write(lines: new[2...])
        try bench.settle()

        #expect(bench.recorder.lines(of: 1) == Line.sequence(old, source: 1))
        #expect(bench.recorder.lines(of: 2) == Line.sequence(new, source: 2))
        #expect(bench.recorder.sources.count == 2)
        #expect(bench.tailer.positions() == [Self.position(1, old, .finished), Self.position(2, new, .active)])
    }

    @Test("restart after a second rotation: both renamed files are found at their new names and read in order")
    func restartAfterTwoRotations() throws {
        let bench = TailerBench(rotationGrace: 3_600)
        let writer = bench.writer()
        let first = Self.lines(4, seed: 1)
        let second = Self.lines(4, seed: 2)
        let third = Self.lines(3, seed: 3)
        writer.write(lines: first[0..<2])
        try bench.poll()
        try bench.rename(to: "calls.jsonl.1")
        writer.reopen()
        writer.write(lines: second[0..<2])
        try bench.poll()
        try bench.poll()

        // Stopped; meanwhile logrotate shifts calls.jsonl.1 to .2 and rotates again.
        CallLogWriter(path: bench.file("calls.jsonl.1")).write(lines: first[2...])
        writer.write(lines: second[2...])
        try bench.rename(from: "calls.jsonl.1", to: "calls.jsonl.2")
        try bench.rename(to: "calls.jsonl.1")
        writer.reopen()
        writer.write(lines: third)
        let before = bench.recorder.lines.count
        bench.restart(rotationGrace: 0)
        try bench.settle()

        #expect(bench.recorder.lines(of: 1) == Line.sequence(first, source: 1))
        #expect(bench.recorder.lines(of: 2) == Line.sequence(second, source: 2))
        #expect(bench.recorder.lines(of: 3) == Line.sequence(third, source: 3))
        // After the restart: the oldest file's rest first, then the next, then the new file.
        #expect(bench.recorder.lines.dropFirst(before).map(\.source) == [1, 1, 2, 2, 3, 3, 3])
        #expect(bench.recorder.lostFiles.isEmpty)
    }

    @Test("a file both created and rotated away while stopped is never read, and nothing counts it")
    func fileRotatedAwayUnseenWhileStopped() throws {
        let bench = TailerBench()
        let writer = bench.writer()
        let first = Self.lines(3, seed: 1)
        let unseen = Self.lines(3, seed: 2)
        let third = Self.lines(2, seed: 3)
        writer.write(lines: first)
        try bench.poll()

        // Stopped over two daily rotations: the middle file was never registered.
        try bench.rename(to: "calls.jsonl.1")
        writer.reopen()
        writer.write(lines: unseen)
        try bench.rename(from: "calls.jsonl.1", to: "calls.jsonl.2")
        try bench.rename(to: "calls.jsonl.1")
        writer.reopen()
        writer.write(lines: third)
        bench.restart()
        try bench.settle()

        #expect(bench.recorder.lines == Line.sequence(first, source: 1) + Line.sequence(third, source: 2))
        #expect(bench.recorder.lostFiles.isEmpty)
        #expect(bench.recorder.rotations.isEmpty)
    }

    @Test("a new file still empty when its position was stored is found again after a restart")
    func restartWithEmptyNewFile() throws {
        let bench = TailerBench()
        let writer = bench.writer()
        let old = Self.lines(3, seed: 1)
        let new = Self.lines(3, seed: 2)
        writer.write(lines: old)
        try bench.poll()
        try bench.rename(to: "calls.jsonl.1")
        writer.reopen()
        try bench.settle()
        #expect(bench.tailer.positions().last == SourcePosition(id: 2, readOffset: 0, fingerprint: [], state: .active))

        bench.restart()
        writer.write(lines: new)
        try bench.settle()
        #expect(bench.recorder.lines == Line.sequence(old, source: 1) + Line.sequence(new, source: 2))
        #expect(bench.recorder.sources.count == 2)
        #expect(bench.recorder.lostFiles.isEmpty)
    }

    @Test("with one line per poll, every line of the renamed file still comes before the new file's")
    func renameRotationWithSmallBudget() throws {
        let bench = TailerBench()
        let writer = bench.writer()
        let old = Self.lines(6, seed: 1)
        let new = Self.lines(4, seed: 2)
        writer.write(lines: old[0..<2])
        try bench.poll(lineBudget: 1)
        writer.write(lines: old[2...])
        try bench.rename(to: "calls.jsonl.1")
        writer.reopen()
        writer.write(lines: new)
        for _ in 0..<20 { try bench.poll(lineBudget: 1) }
        #expect(bench.recorder.lines == Line.sequence(old, source: 1) + Line.sequence(new, source: 2))
    }

    struct RestartEveryPoll: Sendable, CustomTestStringConvertible {
        var chunk: Int
        var linesPerFile: Int
        var testDescription: String { "\(chunk)-byte chunks, rotation every \(linesPerFile) lines" }
    }

    @Test("a restart after every poll neither loses nor repeats a line, across rotations",
          arguments: [RestartEveryPoll(chunk: 3, linesPerFile: 5), RestartEveryPoll(chunk: 64, linesPerFile: 10),
                      RestartEveryPoll(chunk: 4096, linesPerFile: 7)])
    func restartAfterEveryPoll(_ shape: RestartEveryPoll) throws {
        let bench = TailerBench()
        let writer = bench.writer()
        let texts = Self.lines(30)
        var files: [[String]] = [[]]
        for (index, text) in texts.enumerated() {
            if index > 0 && index % shape.linesPerFile == 0 {
                try bench.rename(to: "calls.jsonl.\(index)")
                writer.reopen()
                files.append([])
            }
            let bytes = Array((text + "\n").utf8)
            for start in stride(from: 0, to: bytes.count, by: shape.chunk) {
                writer.write(bytes[start..<min(start + shape.chunk, bytes.count)])
                try bench.poll()
                bench.restart()
            }
            files[files.count - 1].append(text)
        }
        try bench.settle()

        let expected = files.enumerated().flatMap { Line.sequence($0.element, source: Int64($0.offset) + 1) }
        #expect(bench.recorder.lines == expected)
        #expect(bench.recorder.lostFiles.isEmpty)
        #expect(bench.recorder.truncations.isEmpty)
    }

    // MARK: - Truncation

    @Test("copytruncate: the lines written after the truncation are read from offset 0 and the truncation counted",
          arguments: [false, true])
    func copytruncate(pollBetweenTruncateAndAppend: Bool) throws {
        let bench = TailerBench()
        let writer = bench.writer()
        let old = Self.lines(5, seed: 1)
        let new = Self.lines(3, seed: 2)
        writer.write(lines: old)
        try bench.poll()

        try FileManager.default.copyItem(atPath: bench.path, toPath: bench.file("calls.jsonl.1"))
        writer.truncate()
        if pollBetweenTruncateAndAppend {
            try bench.poll()
            #expect(bench.recorder.truncations == [1])
        }
        writer.write(lines: new)
        try bench.settle()

        #expect(bench.recorder.lines == Line.sequence(old, source: 1) + Line.sequence(new, source: 1))
        #expect(bench.recorder.truncations == [1])
        #expect(bench.recorder.rotations.isEmpty)
        #expect(bench.tailer.positions() == [Self.position(1, new, .active)])
    }

    @Test("copytruncate: lines written after the last poll but before the copy are not read")
    func copytruncateLosesLinesNotYetPolled() throws {
        let bench = TailerBench()
        let writer = bench.writer()
        let old = Self.lines(5, seed: 1)
        let new = Self.lines(3, seed: 2)
        writer.write(lines: old[0..<3])
        try bench.poll()

        writer.write(lines: old[3...])
        try FileManager.default.copyItem(atPath: bench.path, toPath: bench.file("calls.jsonl.1"))
        writer.truncate()
        writer.write(lines: new)
        try bench.settle()

        // old[3...] are only in calls.jsonl.1 now, which the tailer never looks at: more is lost
        // than the type comment's "between logrotate's copy and its truncate".
        #expect(bench.recorder.lines == Line.sequence(Array(old[0..<3]), source: 1) + Line.sequence(new, source: 1))
        #expect(bench.recorder.truncations == [1])
    }

    @Test("a truncation while a partial line is buffered drops the partial line and reads the new lines")
    func truncationWithPartialLineBuffered() throws {
        let bench = TailerBench()
        let writer = bench.writer()
        let new = Self.lines(3, seed: 2)
        writer.write("first\nparti")
        try bench.poll()
        writer.truncate()
        writer.write(lines: new)
        try bench.settle()

        #expect(bench.recorder.truncations == [1])
        #expect(bench.recorder.lines == [Line(source: 1, offset: 0, text: "first")] + Line.sequence(new, source: 1))
    }

    enum TornLineRepair: String, Sendable, CaseIterable, CustomTestStringConvertible {
        /// Cut back and appended to while stopped.
        case acrossRestart
        /// Cut back and appended to between two polls.
        case betweenPolls
        /// Cut back, polled, then appended to.
        case pollAfterCut

        var testDescription: String { rawValue }
    }

    @Test("a torn partial last line cut back by its writer is neither a truncation nor part of the next line",
          arguments: TornLineRepair.allCases)
    func tornPartialLineCutBack(_ repair: TornLineRepair) throws {
        let bench = TailerBench()
        let writer = bench.writer()
        let texts = Self.lines(4)
        writer.write(lines: texts[0..<3])
        writer.write("{\"ts\":\"2026-11-27T07:1")
        try bench.poll()
        if repair == .acrossRestart { bench.restart() }

        // A writer that repairs a torn write cuts the file back to its last newline: every byte
        // handed over is still there, unchanged, and the stored position is still right.
        writer.truncate(to: Self.length(texts[0..<3]))
        if repair == .pollAfterCut { try bench.poll() }
        writer.write(lines: texts[3...])
        try bench.settle()

        // Live as across a restart, the unfinished line is read again from the file, so
        // neither the cut (shorter than what was read ahead) nor the new line's tail is misread.
        #expect(bench.recorder.truncations.isEmpty)
        #expect(bench.recorder.lines == Line.sequence(texts, source: 1))
    }

    @Test("a file rewritten past the read offset between two polls is detected by its first bytes")
    func truncationRewrittenLarger() throws {
        let bench = TailerBench()
        let writer = bench.writer()
        let old = Self.lines(3, seed: 1)
        let new = Self.lines(10, seed: 2)
        writer.write(lines: old)
        try bench.poll()

        writer.truncate()
        writer.write(lines: new)
        #expect(try TailerBench.size(of: bench.path) > Self.length(old))
        try bench.settle()

        #expect(bench.recorder.truncations == [1])
        #expect(bench.recorder.lines == Line.sequence(old, source: 1) + Line.sequence(new, source: 1))
        #expect(bench.tailer.positions() == [Self.position(1, new, .active)])
    }

    @Test("a file shorter than the stored offset at restart is read again from the start")
    func shorterThanStoredOffsetAtRestart() throws {
        let bench = TailerBench()
        let writer = bench.writer()
        let texts = Self.lines(5)
        writer.write(lines: texts)
        try bench.poll()

        // Cut back while stopped, keeping the first bytes: the file is still recognised.
        let kept = Self.length(texts.prefix(2))
        #expect(kept >= Int64(FileIdentity.fingerprintLength))
        writer.truncate(to: kept)
        bench.restart()
        try bench.settle()

        #expect(bench.recorder.truncations == [1])
        #expect(bench.recorder.lostFiles.isEmpty)
        #expect(bench.recorder.lines == Line.sequence(texts, source: 1) + Line.sequence(Array(texts.prefix(2)), source: 1))
        #expect(bench.tailer.positions() == [Self.position(1, Array(texts.prefix(2)), .active)])
    }

    @Test("copytruncate while stopped: the emptied file no longer matches, so it counts as lost and is read as a new source")
    func copytruncateWhileStopped() throws {
        let bench = TailerBench()
        let writer = bench.writer()
        let old = Self.lines(5, seed: 1)
        let new = Self.lines(3, seed: 2)
        writer.write(lines: old[0..<3])
        try bench.poll()

        writer.write(lines: old[3...])
        try FileManager.default.copyItem(atPath: bench.path, toPath: bench.file("calls.jsonl.1"))
        writer.truncate()
        writer.write(lines: new)
        bench.restart()
        try bench.settle()

        // Same inode, other first bytes: the identity rule cannot tell this from inode reuse.
        // old[3...] exist only in the copy (another inode) and are not read.
        #expect(bench.recorder.lostFiles == [1])
        #expect(bench.recorder.truncations.isEmpty)
        #expect(bench.recorder.lines == Line.sequence(Array(old[0..<3]), source: 1) + Line.sequence(new, source: 2))
    }

    // MARK: - Missing and deleted files

    @Test("a missing file is waited for without error, then read from its start")
    func missingAtStart() throws {
        let bench = TailerBench()
        try bench.poll()
        try bench.poll()
        #expect(bench.tailer.status.fileExists == false)
        #expect(bench.tailer.status.lastError == nil)
        #expect(bench.recorder.lines.isEmpty)
        #expect(bench.recorder.sources.isEmpty)
        #expect(bench.tailer.positions().isEmpty)

        let texts = Self.lines(3)
        bench.writer().write(lines: texts)
        try bench.poll()
        #expect(bench.tailer.status.fileExists)
        #expect(bench.recorder.lines == Line.sequence(texts, source: 1))
    }

    @Test("a deleted file that is still open is read to its end, then a new file at the path is followed")
    func deletedWhileOpen() throws {
        let bench = TailerBench()
        let writer = bench.writer()
        let old = Self.lines(5, seed: 1)
        let new = Self.lines(3, seed: 2)
        writer.write(lines: old[0..<3])
        try bench.poll()

        #expect(unlink(bench.path) == 0)
        writer.write(lines: old[3...])
        try bench.poll()
        #expect(bench.tailer.status.fileExists == false)
        #expect(bench.recorder.lines == Line.sequence(old, source: 1))
        #expect(bench.tailer.positions() == [Self.position(1, old, .active)])

        writer.reopen()
        writer.write(lines: new)
        try bench.settle()
        #expect(bench.recorder.lines == Line.sequence(old, source: 1) + Line.sequence(new, source: 2))
        #expect(bench.recorder.rotations == [1])
        #expect(bench.tailer.status.fileExists)
    }

    @Test("a stored file that is gone at restart is reported lost and stored as finished")
    func lostAtRestart() throws {
        let bench = TailerBench()
        let texts = Self.lines(3)
        bench.writer().write(lines: texts)
        try bench.poll()
        #expect(unlink(bench.path) == 0)

        bench.restart()
        try bench.poll()
        #expect(bench.recorder.lostFiles == [1])
        #expect(bench.tailer.positions() == [Self.position(1, texts, .finished)])
        #expect(bench.tailer.status.fileExists == false)
        #expect(bench.recorder.lines.count == texts.count)
        #expect(bench.recorder.sources.count == 1)
    }

    // MARK: - Identity

    @Test("a stored source with the current file's inode but other first bytes is a reused inode: read from the start")
    func reusedInode() throws {
        let bench = TailerBench()
        let texts = Self.lines(4, seed: 1)
        bench.writer().write(lines: texts)
        let stored = SourceFile(
            id: 41, path: bench.path, identity: try TailerBench.identity(of: bench.path),
            fingerprint: Self.fingerprint(Self.lines(1, seed: 9)), readOffset: 1 << 30, state: .active)

        bench.restart(stored: [stored])
        try bench.settle()
        #expect(bench.recorder.lostFiles == [41])
        #expect(bench.recorder.truncations.isEmpty)
        #expect(bench.recorder.lines == Line.sequence(texts, source: 1))
        #expect(bench.tailer.positions() == [
            SourcePosition(id: 41, readOffset: 1 << 30, fingerprint: stored.fingerprint, state: .finished),
            Self.position(1, texts, .active),
        ])
    }

    // MARK: - Long lines

    /// Bytes that never contain a newline and differ along the line, so an excerpt from the
    /// wrong place would not compare equal.
    static func longLine(_ length: Int) -> [UInt8] {
        (0..<length).map { UInt8(0x41 + ($0 / 7) % 26) }
    }

    @Test("a 10 MB line over the limit is reported with its length and first 4 KiB; the lines after it arrive")
    func oversizedLine() throws {
        let bench = TailerBench(maxLineBytes: 100)
        let long = Self.longLine(10_000_000)
        bench.writer().write(Array("before\n".utf8) + long + Array("\nafter\n".utf8))
        try bench.poll()

        #expect(bench.recorder.lines == [
            Line(source: 1, offset: 0, text: "before"), Line(source: 1, offset: 7 + 10_000_001, text: "after"),
        ])
        #expect(bench.recorder.oversized == [
            OversizedLine(source: 1, offset: 7, length: 10_000_000, excerpt: Array(long.prefix(TailedFile.excerptBytes))),
        ])
        #expect(bench.tailer.positions().map(\.readOffset) == [7 + 10_000_001 + 6])
    }

    struct LongLineInChunks: Sendable, CustomTestStringConvertible {
        var length: Int
        var chunk: Int
        var testDescription: String { "\(length)-byte line in \(chunk)-byte chunks" }
    }

    @Test("an oversized line arriving over many polls is reported once, when its newline arrives",
          arguments: [LongLineInChunks(length: 10_000_000, chunk: 65_536), LongLineInChunks(length: 9_000, chunk: 7),
                      LongLineInChunks(length: 150, chunk: 1)])
    func oversizedLineInChunks(_ shape: LongLineInChunks) throws {
        let bench = TailerBench(maxLineBytes: 100)
        let writer = bench.writer()
        let long = Self.longLine(shape.length)
        writer.write("before\n")
        let bytes = long + Array("\nafter\n".utf8)
        for start in stride(from: 0, to: bytes.count, by: shape.chunk) {
            writer.write(bytes[start..<min(start + shape.chunk, bytes.count)])
            try bench.poll()
            if start + shape.chunk <= long.count, !bench.recorder.oversized.isEmpty {
                Issue.record("oversized line reported before its newline, after \(start + shape.chunk) bytes")
                break
            }
        }
        #expect(bench.recorder.oversized == [
            OversizedLine(source: 1, offset: 7, length: Int64(shape.length), excerpt: Array(long.prefix(TailedFile.excerptBytes))),
        ])
        #expect(bench.recorder.lines == [
            Line(source: 1, offset: 0, text: "before"), Line(source: 1, offset: 7 + Int64(shape.length) + 1, text: "after"),
        ])
    }

    @Test("a line of exactly the limit is a line; one byte more makes it oversized", arguments: [Chunk.bytes(1), .wholeFile])
    func lineLimitBoundary(chunk: Chunk) throws {
        let bench = TailerBench(maxLineBytes: 100)
        let writer = bench.writer()
        let atLimit = String(repeating: "x", count: 100)
        let over = String(repeating: "y", count: 101)
        let bytes = Array("\(atLimit)\n\(over)\nz\n".utf8)
        let size = chunk.size(of: bytes.count)
        for start in stride(from: 0, to: bytes.count, by: size) {
            writer.write(bytes[start..<min(start + size, bytes.count)])
            try bench.poll()
        }
        #expect(bench.recorder.lines == [Line(source: 1, offset: 0, text: atLimit), Line(source: 1, offset: 203, text: "z")])
        #expect(bench.recorder.oversized == [OversizedLine(source: 1, offset: 101, length: 101, excerpt: Array(over.utf8))])
    }

    @Test("a restart in the middle of an oversized line reports it once, whole, at its offset")
    func oversizedLineAcrossRestart() throws {
        let bench = TailerBench(maxLineBytes: 100)
        let writer = bench.writer()
        let long = Self.longLine(10_000)
        writer.write("a\n")
        writer.write(long.prefix(5_000))
        try bench.poll()
        #expect(bench.tailer.positions().map(\.readOffset) == [2])

        bench.restart()
        try bench.poll()
        writer.write(long.dropFirst(5_000) + Array("\nb\n".utf8))
        try bench.poll()
        #expect(bench.recorder.oversized == [
            OversizedLine(source: 1, offset: 2, length: 10_000, excerpt: Array(long.prefix(TailedFile.excerptBytes))),
        ])
        #expect(bench.recorder.lines == [Line(source: 1, offset: 0, text: "a"), Line(source: 1, offset: 10_003, text: "b")])
    }

    @Test("an unterminated oversized last line of a renamed file is reported when the file is finished")
    func oversizedUnterminatedLineOfRenamedFile() throws {
        let bench = TailerBench(maxLineBytes: 100)
        let writer = bench.writer()
        let long = Self.longLine(500)
        writer.write("a\n")
        writer.write(long)
        try bench.poll()
        try bench.rename(to: "calls.jsonl.1")
        writer.reopen()
        writer.write("b\n")
        try bench.settle()

        #expect(bench.recorder.oversized == [OversizedLine(source: 1, offset: 2, length: 500, excerpt: long)])
        #expect(bench.recorder.lines == [Line(source: 1, offset: 0, text: "a"), Line(source: 2, offset: 0, text: "b")])
        #expect(bench.tailer.positions().first?.readOffset == 502)
    }

    // MARK: - Line endings

    @Test("CRLF lines arrive with their carriage return, which the parser skips as whitespace")
    func crlfLines() throws {
        let bench = TailerBench()
        let call = Self.lines(1)[0]
        bench.writer().write("\(call)\r\nplain\r\n")
        try bench.poll()
        #expect(bench.recorder.lines == [
            Line(source: 1, offset: 0, text: call + "\r"),
            Line(source: 1, offset: Int64(call.utf8.count) + 2, text: "plain\r"),
        ])
        var parser = CallLogParser()
        let withCarriageReturn = parser.parse(Array((call + "\r").utf8))
        let without = parser.parse(Array(call.utf8))
        #expect(try withCarriageReturn.get() == without.get())
    }
}
