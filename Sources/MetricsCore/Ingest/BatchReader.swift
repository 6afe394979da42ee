import Foundation
import Logging
import Synchronization

/// The reading half of the ingest pipeline, on a thread of its own: tails the call logs and
/// parses lines into `ParsedBatch`es while the store thread inserts and commits the previous
/// one. Reading and parsing take about a third of ingest's CPU time and SQLite the rest, so
/// on two cores the pipeline runs near the speed of SQLite alone.
///
/// At most `capacity` batches wait, so memory stays bounded however large the backlog. The
/// reader assigns the ids of new sources itself (one past the largest stored), so it never
/// touches the database; the store thread inserts them with the batch.
final class BatchReader: CallLogSink, @unchecked Sendable {
    // @unchecked: `files`, `parser` and `current` are used only by the reader thread;
    // everything shared goes through `state`, guarded by `condition`.
    private let files: CallLogSet
    private var parser: RecordParser
    private var current = ParsedBatch()
    private var nextSourceID: Int64
    private let batchLines: Int
    private let maxLineBytes: Int
    private let idlePoll: Double
    private let yieldsToScrapes: Bool
    private let logger: Logger

    private struct State {
        var queue: [ParsedBatch] = []
        var stopping = false
        var stopped = false
        var requested: UInt64 = 0
        var produced: UInt64 = 0
    }

    private var state = State()
    private let condition = NSCondition()
    private let capacity = 2

    init(files: CallLogSet, format: CallLogFormat, nextSourceID: Int64, batchLines: Int, maxLineBytes: Int,
         idlePoll: Double, yieldsToScrapes: Bool = false, logger: Logger) {
        self.files = files
        self.parser = RecordParser(format: format)
        self.nextSourceID = nextSourceID
        self.batchLines = batchLines
        self.maxLineBytes = maxLineBytes
        self.idlePoll = idlePoll
        self.yieldsToScrapes = yieldsToScrapes
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in
            IngestThread.adopt(name: "ingest-reader", yielding: self.yieldsToScrapes)
            self.run()
        }
        thread.name = "ingest-reader"
        thread.start()
    }

    /// Stops the thread and waits for it; batches not taken are dropped.
    func stop() {
        condition.lock()
        state.stopping = true
        condition.broadcast()
        while !state.stopped { condition.wait() }
        state.queue.removeAll()
        condition.unlock()
    }

    /// Asks for a poll that starts after this call, and returns its sequence number: a batch
    /// with at least that number has seen everything written before.
    func requestPoll() -> UInt64 {
        condition.lock()
        defer { condition.unlock() }
        state.requested = state.produced + 1
        condition.broadcast()
        return state.requested
    }

    /// The next batch, waiting up to `timeout` seconds.
    func next(timeout: Double) -> ParsedBatch? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while state.queue.isEmpty && !state.stopped {
            if !condition.wait(until: deadline) { break }
        }
        guard !state.queue.isEmpty else { return nil }
        let batch = state.queue.removeFirst()
        condition.broadcast()
        return batch
    }

    private func run() {
        while true {
            condition.lock()
            if state.stopping {
                state.stopped = true
                condition.broadcast()
                condition.unlock()
                return
            }
            condition.unlock()

            current = ParsedBatch()
            do {
                let polled = try files.poll(into: self, lineBudget: batchLines)
                current.lines = polled.lines
                current.bytes = polled.bytes
                current.caughtUp = polled.caughtUp
            } catch let error as TailError {
                current.readError = error
            } catch {
                current.readError = TailError(message: "\(error)")
            }
            current.positions = files.positions()
            files.didCommit()
            current.status = files.status

            condition.lock()
            while state.queue.count >= capacity && !state.stopping { condition.wait() }
            if state.stopping {
                condition.unlock()
                continue
            }
            state.produced += 1
            current.sequence = state.produced
            let idle = current.caughtUp && current.lines == 0 && current.bytes == 0
            state.queue.append(current)
            condition.broadcast()
            // Idle: wait for the poll interval, or for the store thread to ask for a poll.
            if idle {
                let deadline = Date(timeIntervalSinceNow: idlePoll)
                while !state.stopping && state.requested <= state.produced {
                    if !condition.wait(until: deadline) { break }
                }
            }
            condition.unlock()
        }
    }

    // MARK: CallLogSink (reader thread)

    func line(_ bytes: UnsafeRawBufferPointer, source: Int64, offset: Int64) {
        // Room for a whole batch at its first line (not before: an idle poll reserves nothing),
        // so the array is never grown and copied while the batch fills (issue 14).
        if current.calls.capacity == 0 { current.calls.reserveCapacity(batchLines) }
        parser.parse(bytes) { index, result in
            switch result {
            case .success(let call):
                current.calls.append(ParsedBatch.Call(record: call, source: source, offset: offset,
                                                      index: Int32(truncatingIfNeeded: index)))
            case .failure(let rejection):
                current.rejections.append(ParsedBatch.Rejected(rejection: rejection, source: source, offset: offset,
                                                               index: Int32(truncatingIfNeeded: index), length: Int64(bytes.count),
                                                               excerpt: Array(bytes.prefix(TailedFile.excerptBytes))))
            }
        }
    }

    func oversizedLine(source: Int64, offset: Int64, length: Int64, excerpt: UnsafeRawBufferPointer) {
        let rejection = LineRejection(reason: .tooLong, detail: "line of \(length) bytes is longer than the limit of \(maxLineBytes) bytes")
        current.rejections.append(ParsedBatch.Rejected(rejection: rejection, source: source, offset: offset, index: 0,
                                                       length: length, excerpt: Array(excerpt)))
    }

    func registerSource(path: String, identity: FileIdentity, fingerprint: [UInt8]) throws -> Int64 {
        let id = nextSourceID
        nextSourceID += 1
        current.newSources.append(.init(id: id, path: path, identity: identity, fingerprint: fingerprint))
        return id
    }

    func fileRotated(source: Int64) { current.rotations += 1 }
    func fileTruncated(source: Int64) { current.truncations += 1 }
    func fileLost(source: Int64) { current.lostFiles += 1 }
}
