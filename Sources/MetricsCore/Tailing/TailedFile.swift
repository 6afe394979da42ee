import Foundation

/// One open call-log file and its read state: the bytes after the last complete line, and
/// an oversized line being skipped.
///
/// Reads with pread at explicit offsets, so the position is never implicit in the descriptor.
/// A line longer than `maxLineBytes` is never held whole: once the buffered part passes the
/// limit the buffer is discarded and only the line's first 4 KiB and length are kept until
/// its newline arrives (the buffer is capped like swift-nio's line splitter).
final class TailedFile {
    static let excerptBytes = 4096
    static let readChunk = 256 * 1024

    let fd: Int32
    let identity: FileIdentity
    let sourceID: Int64
    let path: String
    var fingerprint: [UInt8]
    /// Offset of the first byte not yet handed over as part of a line.
    private(set) var offset: Int64
    /// Offset of the next byte to read from the file.
    private(set) var nextRead: Int64
    /// Set when the file was renamed away or deleted: when it happened (monotonic seconds).
    var rotatedAt: Double?
    /// When the last bytes were read (monotonic seconds).
    private(set) var lastDataAt: Double

    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var skip: (lineStart: Int64, length: Int64, excerpt: [UInt8])?
    private let maxLineBytes: Int
    private let clock: MonotonicClock

    init(fd: Int32, identity: FileIdentity, sourceID: Int64, path: String, fingerprint: [UInt8], offset: Int64, maxLineBytes: Int,
         clock: MonotonicClock) {
        self.fd = fd
        self.identity = identity
        self.sourceID = sourceID
        self.path = path
        self.fingerprint = fingerprint
        self.offset = offset
        self.nextRead = offset
        self.maxLineBytes = maxLineBytes
        self.clock = clock
        self.lastDataAt = clock.now()
        buffer = .allocate(byteCount: min(maxLineBytes, 4 * Self.readChunk) + Self.readChunk, alignment: 16)
    }

    deinit {
        buffer.deallocate()
        close(fd)
    }

    /// Where reading resumes after a restart: the start of the first line not yet handed over.
    var readOffset: Int64 { skip?.lineStart ?? offset }

    /// Reads and hands over complete lines until `budget` lines or the end of the file.
    /// Returns the lines handed over and whether the end of the file was reached.
    func readLines(into sink: some CallLogSink, budget: Int) throws(TailError) -> (lines: Int, bytes: Int64, eof: Bool) {
        var lines = 0
        let offsetBefore = readOffset
        // An unfinished line is read again from the file rather than kept across polls: a
        // writer may cut a torn last line back to its newline and write a new one, and stale
        // buffered bytes would then be glued onto it. Costs at most one line's re-read.
        if skip == nil && start < end && !continuingBatch {
            start = 0
            end = 0
            nextRead = offset
        }
        continuingBatch = false
        defer {
            continuingBatch = lines >= budget
            if fingerprint.count < FileIdentity.fingerprintLength && nextRead > Int64(fingerprint.count) {
                extendFingerprint()
            }
        }
        while lines < budget {
            if start < end, let base = buffer.baseAddress {
                if let found = memchr(base + start, 0x0A, end - start) {
                    let newline = base.distance(to: found)
                    let length = newline - start
                    if var skipping = skip {
                        skipping.length += Int64(length)
                        appendExcerpt(&skipping.excerpt, from: start, count: length)
                        skipping.excerpt.withUnsafeBytes {
                            sink.oversizedLine(source: sourceID, offset: skipping.lineStart, length: skipping.length, excerpt: $0)
                        }
                        offset = skipping.lineStart + skipping.length + 1
                        skip = nil
                    } else if length > maxLineBytes {
                        sink.oversizedLine(source: sourceID, offset: offset, length: Int64(length),
                                           excerpt: UnsafeRawBufferPointer(start: base + start, count: min(length, Self.excerptBytes)))
                        offset += Int64(length) + 1
                    } else {
                        sink.line(UnsafeRawBufferPointer(start: base + start, count: length), source: sourceID, offset: offset)
                        offset += Int64(length) + 1
                    }
                    start = newline + 1
                    lines += 1
                    continue
                }
                // No newline in what is buffered.
                if skip != nil {
                    skip!.length += Int64(end - start)
                    appendExcerpt(&skip!.excerpt, from: start, count: end - start)
                    start = 0
                    end = 0
                } else if end - start > maxLineBytes {
                    var excerpt: [UInt8] = []
                    appendExcerpt(&excerpt, from: start, count: end - start)
                    skip = (offset, Int64(end - start), excerpt)
                    start = 0
                    end = 0
                }
            }
            try fill()
            if !bufferHasNewData { return (lines, readOffset - offsetBefore, true) }
        }
        return (lines, readOffset - offsetBefore, false)
    }

    private var bufferHasNewData = false
    /// The furthest offset ever read.
    private var highWater: Int64 = 0
    /// The last call stopped at its line budget, not at the end of the data: the buffered
    /// bytes are complete lines still to hand over, not an unfinished one.
    private var continuingBatch = false

    private func extendFingerprint() {
        let head = Self.readFingerprint(fd: fd)
        if head.count > fingerprint.count && head.prefix(fingerprint.count).elementsEqual(fingerprint) {
            fingerprint = head
        }
    }

    /// Reads the next chunk behind the buffered bytes, growing the buffer up to the line limit.
    private func fill() throws(TailError) {
        bufferHasNewData = false
        if start == end {
            start = 0
            end = 0
        } else if start > 0 {
            memmove(buffer.baseAddress!, buffer.baseAddress! + start, end - start)
            end -= start
            start = 0
        }
        if buffer.count - end < Self.readChunk {
            let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
            grown.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[0..<end]))
            buffer.deallocate()
            buffer = grown
        }
        while true {
            let n = pread(fd, buffer.baseAddress! + end, buffer.count - end, off_t(nextRead))
            if n < 0 {
                if errno == EINTR { continue }
                throw TailError.read(path: path, errno: errno)
            }
            if n > 0 {
                end += n
                nextRead += Int64(n)
                // Re-reading an unfinished line is not new data: only bytes past the furthest
                // point ever read keep a renamed file's grace period open.
                if nextRead > highWater {
                    highWater = nextRead
                    lastDataAt = clock.now()
                }
                bufferHasNewData = true
            }
            return
        }
    }

    private func appendExcerpt(_ excerpt: inout [UInt8], from index: Int, count: Int) {
        let room = Self.excerptBytes - excerpt.count
        guard room > 0, count > 0 else { return }
        excerpt.append(contentsOf: UnsafeRawBufferPointer(start: buffer.baseAddress! + index, count: min(room, count)))
    }

    /// Hands over the bytes after the last newline as a final line: for a rotated file whose
    /// writer is gone, the last line will never get its newline.
    func flushPartialLine(into sink: some CallLogSink) -> Int64 {
        let before = readOffset
        if var skipping = skip {
            skipping.length += Int64(end - start)
            appendExcerpt(&skipping.excerpt, from: start, count: end - start)
            skipping.excerpt.withUnsafeBytes {
                sink.oversizedLine(source: sourceID, offset: skipping.lineStart, length: skipping.length, excerpt: $0)
            }
            offset = skipping.lineStart + skipping.length
            skip = nil
        } else if start < end {
            let length = end - start
            if length > maxLineBytes {
                sink.oversizedLine(source: sourceID, offset: offset, length: Int64(length),
                                   excerpt: UnsafeRawBufferPointer(start: buffer.baseAddress! + start, count: min(length, Self.excerptBytes)))
            } else {
                sink.line(UnsafeRawBufferPointer(start: buffer.baseAddress! + start, count: length), source: sourceID, offset: offset)
            }
            offset += Int64(length)
        }
        start = 0
        end = 0
        return readOffset - before
    }

    /// Current size of the file (it may have been deleted: the descriptor keeps it readable).
    func size() -> Int64? {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        return Int64(st.st_size)
    }

    /// Whether the file was truncated or rewritten under us: shorter than what was read, or
    /// its first bytes are no longer the ones we saw. Extends a short fingerprint as the file grows.
    func checkTruncated() -> Bool {
        guard let size = size() else { return false }
        // Shorter than what was handed over: truncated. Shorter only than what was read ahead
        // (an unfinished line cut back by its writer): read that line again, nothing more.
        if size < readOffset { return true }
        if size < nextRead {
            start = 0
            end = 0
            skip = nil
            nextRead = offset
        }
        let want = Int(min(Int64(FileIdentity.fingerprintLength), size))
        guard want > 0 else { return false }
        var head = [UInt8](repeating: 0, count: want)
        let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, want, 0) }
        guard n >= fingerprint.count else { return n >= 0 && !fingerprint.isEmpty }
        if !head.prefix(fingerprint.count).elementsEqual(fingerprint) { return true }
        if n > fingerprint.count { fingerprint = Array(head.prefix(n)) }
        return false
    }

    /// Starts again from the first byte (after a truncation).
    func restartFromBeginning() {
        highWater = 0
        offset = 0
        nextRead = 0
        start = 0
        end = 0
        skip = nil
        fingerprint = Self.readFingerprint(fd: fd)
    }

    static func readFingerprint(fd: Int32) -> [UInt8] {
        var head = [UInt8](repeating: 0, count: FileIdentity.fingerprintLength)
        let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, FileIdentity.fingerprintLength, 0) }
        return n > 0 ? Array(head.prefix(n)) : []
    }

    /// Whether the file starts with `fingerprint` (a file grown since only extends it).
    static func hasPrefix(fd: Int32, _ fingerprint: [UInt8]) -> Bool {
        guard !fingerprint.isEmpty else { return true }
        var head = [UInt8](repeating: 0, count: fingerprint.count)
        let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, fingerprint.count, 0) }
        return n == fingerprint.count && head == fingerprint
    }
}

/// An I/O error of the tailer. The tailer reports it in /health and tries again on the next poll.
package struct TailError: Error, CustomStringConvertible, Sendable {
    package var message: String

    static func read(path: String, errno code: Int32) -> TailError {
        TailError(message: "cannot read \(path): \(String(cString: strerror(code)))")
    }

    static func open(path: String, errno code: Int32) -> TailError {
        TailError(message: "cannot open \(path): \(String(cString: strerror(code))) (check the path and that this user may read it)")
    }

    package var description: String { message }
}
