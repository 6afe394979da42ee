import Foundation
import Logging
import Testing
@testable import MetricsCore

/// The pipeline in-process over a real SQLite file: every line stored once, totals equal to
/// the log, restart continues from the stored totals, a failed commit loses nothing.
@Suite struct CallIngestorTests {
    let logger = Logger(label: "test")

    func generateLog(_ path: String, lines: Int, seed: UInt64, badRate: Double = 0.02, start: Double = 1_764_000_000) -> [String] {
        var generator = CallLogGenerator(seed: seed, startTimestamp: start, badRate: badRate)
        let text = (0..<lines).map { _ in generator.nextLine() }
        appendLines(path, text)
        return text
    }

    func appendLines(_ path: String, _ lines: [String]) {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = FileHandle(forWritingAtPath: path)!
        handle.seekToEndOfFile()
        handle.write(Data(lines.map { $0 + "\n" }.joined().utf8))
        try? handle.close()
    }

    func drain(_ ingestor: CallIngestor) {
        for _ in 0..<10_000 {
            let outcome = ingestor.step()
            if outcome.caughtUp && outcome.lines == 0 { return }
        }
        Issue.record("ingestor did not catch up")
    }

    func count(_ db: String, _ sql: String) throws -> Int64 {
        let connection = try SQLiteConnection(path: db, mode: .readOnly)
        let statement = try connection.prepare(sql)
        _ = try statement.step()
        return statement.int64(0)
    }

    /// What the parser makes of each line, computed line by line (the parser's own tests check
    /// it against Foundation).
    func expected(_ lines: [String]) -> (accepted: [CallRecord], rejected: Int) {
        var parser = CallLogParser()
        var accepted: [CallRecord] = []
        var rejected = 0
        for line in lines {
            switch parser.parse(Array(line.utf8)) {
            case .success(let call): accepted.append(call)
            case .failure: rejected += 1
            }
        }
        return (accepted, rejected)
    }

    @Test func storesEveryLineOnceAndTotalsMatchTheLog() throws {
        let dir = TemporaryDirectory()
        let log = dir.file("calls.jsonl")
        let db = dir.file("calls.sqlite")
        let lines = generateLog(log, lines: 25_000, seed: 7)
        let store = try CallStore(path: db, buckets: .default, logger: logger)
        var configuration = IngestConfiguration(calllogPath: log)
        configuration.batchLines = 3000
        let ingestor = try CallIngestor(configuration: configuration, store: store, logger: logger)
        drain(ingestor)

        let (accepted, rejected) = expected(lines)
        #expect(rejected > 0)
        #expect(try count(db, "SELECT count(*) FROM calls") == Int64(accepted.count))
        #expect(try count(db, "SELECT count(*) FROM rejected_lines") == Int64(rejected))
        #expect(try count(db, "SELECT count(*) FROM (SELECT source_id, source_offset FROM calls GROUP BY 1, 2 HAVING count(*) > 1)") == 0)

        let snapshot = ingestor.snapshot()
        #expect(snapshot.catchUpComplete)
        #expect(snapshot.counters.acceptedLines == UInt64(accepted.count))
        #expect(snapshot.counters.rejectedTotal == UInt64(rejected))
        let requests = snapshot.series.reduce(UInt64(0)) { $0 + $1.totals.requests }
        #expect(requests == UInt64(accepted.count))
        let errors = snapshot.series.reduce(UInt64(0)) { $0 + $1.totals.errorsByType.values.reduce(0, +) }
        #expect(errors == UInt64(accepted.filter { $0.error != nil }.count))
        let fallbacks = snapshot.series.reduce(UInt64(0)) { $0 + $1.totals.fallbacksByModel.values.reduce(0, +) }
        #expect(fallbacks == UInt64(accepted.filter(\.fallback).count))
        let cost = snapshot.series.reduce(0.0) { $0 + $1.totals.costUSD }
        #expect(abs(cost - accepted.reduce(0.0) { $0 + $1.costUSD }) < 1e-9)
        #expect(snapshot.counters.readBytes == UInt64(try FileManager.default.attributesOfItem(atPath: log)[.size] as! Int))
    }

    @Test func restartContinuesFromStoredTotalsWithoutRereading() throws {
        let dir = TemporaryDirectory()
        let log = dir.file("calls.jsonl")
        let db = dir.file("calls.sqlite")
        var lines = generateLog(log, lines: 5000, seed: 1)
        do {
            let store = try CallStore(path: db, buckets: .default, logger: logger)
            let ingestor = try CallIngestor(configuration: IngestConfiguration(calllogPath: log), store: store, logger: logger)
            drain(ingestor)
        }
        lines += generateLog(log, lines: 3000, seed: 2, start: 1_764_100_000)
        let store = try CallStore(path: db, buckets: .default, logger: logger)
        let ingestor = try CallIngestor(configuration: IngestConfiguration(calllogPath: log), store: store, logger: logger)
        drain(ingestor)
        let (accepted, rejected) = expected(lines)
        #expect(try count(db, "SELECT count(*) FROM calls") == Int64(accepted.count))
        #expect(ingestor.snapshot().counters.acceptedLines == UInt64(accepted.count))
        #expect(ingestor.snapshot().counters.rejectedTotal == UInt64(rejected))
        let last = ingestor.snapshot().series.map(\.totals.lastTimestamp).max() ?? 0
        #expect(last == accepted.map(\.timestamp).max())
    }

    /// The streaming and cache totals are stored with the series and come back after a restart:
    /// the totals after two runs equal one in-memory aggregation of all the lines.
    @Test func streamingTotalsSurviveARestart() throws {
        let dir = TemporaryDirectory()
        let log = dir.file("calls.jsonl")
        let db = dir.file("calls.sqlite")
        func line(_ i: Int) -> String {
            let streamed = i % 3 != 0
            let ttft = streamed ? #","stream":true,"ttft_ms":\#(40 + i * 37 % 3000)"# : #","stream":false"#
            return #"{"ts":\#(1_764_000_000 + i),"agent":"qa_agent","model":"m","success":true,"latency_ms":\#(3200 + i),"input_tokens":900,"output_tokens":\#(i % 50),"cached_input_tokens":\#(i % 7 * 100),"reasoning_tokens":\#(i % 5),"cache_hit":\#(i % 11 == 0)\#(ttft)}"#
        }
        let first = (0..<400).map(line), second = (400..<700).map(line)
        appendLines(log, first)
        do {
            let store = try CallStore(path: db, buckets: .default, logger: logger)
            drain(try CallIngestor(configuration: IngestConfiguration(calllogPath: log), store: store, logger: logger))
        }
        appendLines(log, second)
        let store = try CallStore(path: db, buckets: .default, logger: logger)
        let ingestor = try CallIngestor(configuration: IngestConfiguration(calllogPath: log), store: store, logger: logger)
        drain(ingestor)

        var reference = CallAggregator(buckets: .default, limits: LabelLimits())
        var parser = CallLogParser()
        for text in first + second { reference.add(try parser.parse(Array(text.utf8)).get()) }
        let got = try #require(ingestor.snapshot().series.first { $0.key.agent == "qa_agent" }).totals
        let want = try #require(reference.series.first).totals
        #expect(got.ttftBucketCounts == want.ttftBucketCounts)
        #expect(got.tpotBucketCounts == want.tpotBucketCounts)
        #expect(abs(got.ttftSumSeconds - want.ttftSumSeconds) <= 1e-9 * want.ttftSumSeconds)
        #expect(abs(got.tpotSumSeconds - want.tpotSumSeconds) <= 1e-9 * want.tpotSumSeconds)
        #expect(got.cachedInputTokens == want.cachedInputTokens && got.reasoningTokens == want.reasoningTokens)
        #expect(got.cacheHits == want.cacheHits && got.cacheHits == 64)
        #expect(got.ttftCount == 466)
    }

    @Test func aFailedCommitLosesNothingAndCountsNothingTwice() throws {
        let dir = TemporaryDirectory()
        let log = dir.file("calls.jsonl")
        let db = dir.file("calls.sqlite")
        let lines = generateLog(log, lines: 4000, seed: 3)
        let store = try CallStore(path: db, buckets: .default, logger: logger)
        var configuration = IngestConfiguration(calllogPath: log)
        configuration.batchLines = 1000
        let ingestor = try CallIngestor(configuration: configuration, store: store, logger: logger)
        #expect(!ingestor.step().failed)

        // Another connection takes the write lock: the next commits fail with SQLITE_BUSY.
        let blocker = try SQLiteConnection(path: db)
        blocker.setBusyTimeout(milliseconds: 0)
        try blocker.execute("BEGIN IMMEDIATE")
        store.db.setBusyTimeout(milliseconds: 1)
        #expect(ingestor.step().failed)
        #expect(ingestor.snapshot().storeErrors == 1)
        try blocker.execute("ROLLBACK")

        drain(ingestor)
        let (accepted, _) = expected(lines)
        #expect(try count(db, "SELECT count(*) FROM calls") == Int64(accepted.count))
        #expect(ingestor.snapshot().counters.acceptedLines == UInt64(accepted.count))
        #expect(ingestor.snapshot().lastStoreError == nil)
    }

    /// A scrape while commits fail (a full disk, a locked database) shows what the database
    /// holds, not the batch that was folded into the running totals before its commit failed.
    @Test func aFailingCommitIsNeverVisible() throws {
        let dir = TemporaryDirectory()
        let log = dir.file("calls.jsonl")
        let db = dir.file("calls.sqlite")
        var lines = generateLog(log, lines: 3000, seed: 13)
        let store = try CallStore(path: db, buckets: .default, logger: logger)
        var configuration = IngestConfiguration(calllogPath: log)
        configuration.batchLines = 1000
        let ingestor = try CallIngestor(configuration: configuration, store: store, logger: logger)
        drain(ingestor)
        let revisionBefore = ingestor.revision
        lines += generateLog(log, lines: 3000, seed: 14, start: 1_764_100_000)

        let blocker = try SQLiteConnection(path: db)
        blocker.setBusyTimeout(milliseconds: 0)
        try blocker.execute("BEGIN IMMEDIATE")
        store.db.setBusyTimeout(milliseconds: 1)
        #expect(ingestor.step().failed)
        #expect(ingestor.revision != revisionBefore, "a store error is news to publish")
        let snapshot = ingestor.snapshot()
        #expect(snapshot.storeErrors == 1)
        let rows = try count(db, "SELECT count(*) FROM calls")
        let rejects = try count(db, "SELECT count(*) FROM rejected_lines")
        #expect(snapshot.counters.acceptedLines == UInt64(rows))
        #expect(snapshot.counters.rejectedTotal == UInt64(rejects))
        #expect(snapshot.series.reduce(UInt64(0)) { $0 + $1.totals.requests } == UInt64(rows))
        try blocker.execute("ROLLBACK")

        drain(ingestor)
        let (accepted, rejected) = expected(lines)
        #expect(ingestor.snapshot().counters.acceptedLines == UInt64(accepted.count))
        #expect(ingestor.snapshot().counters.rejectedTotal == UInt64(rejected))
        #expect(try count(db, "SELECT count(*) FROM calls") == Int64(accepted.count))
    }

    /// The snapshot is rebuilt only when what it shows changed, so an idle exporter's
    /// exposition stays cached between scrapes.
    @Test func anIdleIngestorPublishesNothingNew() throws {
        let dir = TemporaryDirectory()
        let log = dir.file("calls.jsonl")
        _ = generateLog(log, lines: 500, seed: 15)
        let store = try CallStore(path: dir.file("calls.sqlite"), buckets: .default, logger: logger)
        let ingestor = try CallIngestor(configuration: IngestConfiguration(calllogPath: log), store: store, logger: logger)
        drain(ingestor)
        let revision = ingestor.revision
        for _ in 0..<3 { _ = ingestor.step() }
        #expect(ingestor.revision == revision)
        _ = generateLog(log, lines: 10, seed: 16, start: 1_764_100_000)
        drain(ingestor)
        #expect(ingestor.revision != revision)
    }

    @Test func aReaderHoldingATransactionDoesNotStallIngest() throws {
        let dir = TemporaryDirectory()
        let log = dir.file("calls.jsonl")
        let db = dir.file("calls.sqlite")
        _ = generateLog(log, lines: 2000, seed: 4)
        let store = try CallStore(path: db, buckets: .default, logger: logger)
        let ingestor = try CallIngestor(configuration: IngestConfiguration(calllogPath: log), store: store, logger: logger)
        drain(ingestor)

        // An incident reviewer's shell in the middle of a read transaction.
        let reader = try SQLiteConnection(path: db, mode: .readOnly)
        try reader.execute("BEGIN")
        let before = try reader.prepare("SELECT count(*) FROM calls")
        _ = try before.step()
        let seen = before.int64(0)
        before.reset()

        _ = generateLog(log, lines: 3000, seed: 5, start: 1_764_100_000)
        drain(ingestor)
        #expect(ingestor.snapshot().storeErrors == 0)
        // The reader still sees its snapshot; after its transaction it sees the new rows.
        _ = try before.step()
        #expect(before.int64(0) == seen)
        before.reset()
        try reader.execute("COMMIT")
        _ = try before.step()
        #expect(before.int64(0) > seen)
    }

    @Test func knownAgentsExistAtZeroBeforeTheirFirstRequest() throws {
        let dir = TemporaryDirectory()
        let log = dir.file("calls.jsonl")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let store = try CallStore(path: dir.file("calls.sqlite"), buckets: .default, logger: logger)
        var configuration = IngestConfiguration(calllogPath: log)
        configuration.knownSeries = [SeriesKey(agent: "legal_agent", model: "", variant: "")]
        let ingestor = try CallIngestor(configuration: configuration, store: store, logger: logger)
        drain(ingestor)
        let series = ingestor.snapshot().series
        #expect(series.count == 1)
        #expect(series.first?.key.agent == "legal_agent")
        #expect(series.first?.totals.requests == 0)
    }

    @Test func labelSetsAreBounded() throws {
        let dir = TemporaryDirectory()
        let log = dir.file("calls.jsonl")
        let lines = (0..<50).map { i in
            #"{"ts":1764000000,"agent":"agent-\#(i)","model":"m","success":true,"error":"e\#(i)","fallback":true,"fallback_model":"f\#(i)","latency_ms":5}"#
        }
        appendLines(log, lines)
        let store = try CallStore(path: dir.file("calls.sqlite"), buckets: .default, logger: logger)
        var configuration = IngestConfiguration(calllogPath: log)
        configuration.limits = LabelLimits(maxSeries: 10, maxErrorTypes: 5, maxFallbackModels: 3)
        let ingestor = try CallIngestor(configuration: configuration, store: store, logger: logger)
        drain(ingestor)
        let snapshot = ingestor.snapshot()
        #expect(snapshot.series.count == 11)
        #expect(snapshot.series.first { $0.key == .overflow }?.totals.requests == 40)
        #expect(snapshot.counters.foldedLines["series"] == 40)
        #expect(snapshot.counters.foldedLines["error_type"] == 45)
        #expect(snapshot.counters.foldedLines["fallback_model"] == 47)
        #expect(snapshot.series.reduce(0) { $0 + $1.totals.requests } == 50)
    }

    @Test func changedHistogramBucketsAreRebuiltFromStoredCalls() throws {
        let dir = TemporaryDirectory()
        let log = dir.file("calls.jsonl")
        let db = dir.file("calls.sqlite")
        let lines = generateLog(log, lines: 3000, seed: 9, badRate: 0)
        do {
            let store = try CallStore(path: db, buckets: .default, logger: logger)
            drain(try CallIngestor(configuration: IngestConfiguration(calllogPath: log), store: store, logger: logger))
        }
        let buckets = try LatencyBuckets(bounds: [1, 10])
        let store = try CallStore(path: db, buckets: buckets, logger: logger)
        var configuration = IngestConfiguration(calllogPath: log)
        configuration.buckets = buckets
        let ingestor = try CallIngestor(configuration: configuration, store: store, logger: logger)
        drain(ingestor)
        let (accepted, _) = expected(lines)
        let counts = ingestor.snapshot().series.reduce([UInt64](repeating: 0, count: 3)) { sum, item in
            zip(sum, item.totals.latencyBucketCounts).map { $0 + $1 }
        }
        #expect(counts[0] == UInt64(accepted.filter { $0.latencyMs <= 1000 }.count))
        #expect(counts[1] == UInt64(accepted.filter { $0.latencyMs > 1000 && $0.latencyMs <= 10_000 }.count))
        #expect(counts[2] == UInt64(accepted.filter { $0.latencyMs > 10_000 }.count))
    }
}
