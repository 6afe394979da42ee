import Foundation
import Logging
import Testing
@testable import MetricsCore

/// `--calllog.path` as a glob: several workers' logs, each checkpointed on its own, summed
/// into one set of series, with rotated names never read twice.
@Suite struct CallLogSetTests {
    let logger = Logger(label: "test")

    func write(_ path: String, _ lines: [String], append: Bool = true) {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = FileHandle(forWritingAtPath: path)!
        if append { handle.seekToEndOfFile() }
        handle.write(Data(lines.map { $0 + "\n" }.joined().utf8))
        try? handle.close()
    }

    func lines(_ agent: String, _ count: Int, from: Int = 0) -> [String] {
        (from..<from + count).map { i in
            #"{"ts":\#(1_764_000_000 + i),"request_id":"\#(agent)-\#(i)","agent":"\#(agent)","model":"m","success":true,"latency_ms":10}"#
        }
    }

    /// The time of this test's tailers: the glob's rescan interval runs out when `drain`
    /// advances it, not on the machine's clock. A fresh one per test (Swift Testing makes a
    /// new suite value for each), shared by both ingestors of a restart.
    let time = ManualClock()

    func ingest(_ dir: TemporaryDirectory, pattern: String) throws -> CallIngestor {
        let store = try CallStore(path: dir.file("calls.sqlite"), buckets: .default, logger: logger)
        var configuration = IngestConfiguration(calllogPath: pattern)
        configuration.rotationGrace = 0
        configuration.tailClock = time.clock
        return try CallIngestor(configuration: configuration, store: store, logger: logger)
    }

    /// Steps until everything written before the call is stored, files that appeared since
    /// the last glob expansion included.
    ///
    /// The glob is expanded at most once per `rescanInterval`, so every step first moves the
    /// clock past it. One quiet step is not proof: the reader may have begun the poll a step
    /// waits for before the clock moved (or the file was written). The second of two quiet
    /// steps in a row waited for a poll that began after the first step's clock advance, so
    /// some poll since the writes expanded the glob, and it, like every later poll, read nothing.
    func drain(_ ingestor: CallIngestor) {
        var quietSteps = 0
        for _ in 0..<1_000 {
            time.advance(by: CallLogSet.rescanInterval)
            let outcome = ingestor.step()
            quietSteps = outcome.lines == 0 && outcome.caughtUp ? quietSteps + 1 : 0
            if quietSteps == 2 { return }
        }
        Issue.record("the ingestor did not drain: it still reads lines or is behind after 1,000 steps")
    }

    func requests(_ ingestor: CallIngestor) -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        for series in ingestor.snapshot().series { result[series.key.agent, default: 0] += series.totals.requests }
        return result
    }

    func storedCalls(_ dir: TemporaryDirectory) throws -> Int64 {
        let db = try SQLiteConnection(path: dir.file("calls.sqlite"), mode: .readOnly)
        let s = try db.prepare("SELECT count(*) FROM calls")
        _ = try s.step()
        return s.int64(0)
    }

    @Test func everyMatchingFileIsReadAndSummedIntoOneSetOfSeries() throws {
        let dir = TemporaryDirectory()
        write(dir.file("worker-1.jsonl"), lines("qa_agent", 30))
        write(dir.file("worker-2.jsonl"), lines("qa_agent", 20, from: 100))
        write(dir.file("other.txt"), ["not a call log"])
        let ingestor = try ingest(dir, pattern: dir.file("*.jsonl"))
        drain(ingestor)
        #expect(requests(ingestor) == ["qa_agent": 50])
        #expect(ingestor.snapshot().series.count == 1)
        #expect(ingestor.snapshot().calllog.files == 2)
        #expect(ingestor.snapshot().counters.rejectedTotal == 0)
    }

    @Test func aFileThatAppearsLaterIsPickedUp() throws {
        let dir = TemporaryDirectory()
        write(dir.file("worker-1.jsonl"), lines("qa_agent", 10))
        let ingestor = try ingest(dir, pattern: dir.file("*.jsonl"))
        drain(ingestor)
        write(dir.file("worker-2.jsonl"), lines("legal_agent", 7))
        drain(ingestor)
        #expect(requests(ingestor) == ["qa_agent": 10, "legal_agent": 7])
    }

    @Test func aRotatedFileMatchedUnderItsNewNameIsNotReadTwice() throws {
        let dir = TemporaryDirectory()
        let log = dir.file("worker-1.jsonl")
        write(log, lines("qa_agent", 10))
        let ingestor = try ingest(dir, pattern: dir.file("worker-*.jsonl*"))
        drain(ingestor)
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        write(log + ".1", lines("qa_agent", 5, from: 10))
        write(log, lines("qa_agent", 3, from: 20))
        drain(ingestor)
        #expect(requests(ingestor) == ["qa_agent": 18])
        #expect(try storedCalls(dir) == 18)
    }

    @Test func eachFileResumesFromItsOwnPositionAfterARestart() throws {
        let dir = TemporaryDirectory()
        write(dir.file("worker-1.jsonl"), lines("qa_agent", 10))
        write(dir.file("worker-2.jsonl"), lines("legal_agent", 10))
        do {
            let ingestor = try ingest(dir, pattern: dir.file("*.jsonl"))
            drain(ingestor)
        }
        write(dir.file("worker-1.jsonl"), lines("qa_agent", 4, from: 10))
        write(dir.file("worker-2.jsonl"), lines("legal_agent", 6, from: 10))
        let ingestor = try ingest(dir, pattern: dir.file("*.jsonl"))
        drain(ingestor)
        #expect(requests(ingestor) == ["qa_agent": 14, "legal_agent": 16])
        #expect(try storedCalls(dir) == 30)
    }
}
