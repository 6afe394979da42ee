import Foundation
import Logging
import Testing
@testable import MetricsCore

/// `--metrics.ttft-buckets` changed on an existing database: the first-token histogram is
/// recounted from the stored calls with the new bounds, never old counts under new bounds.
/// The expected counts are worked out here from the log with Foundation.
@Suite struct CallStoreHistogramRebuildTests {
    static let coarse = try! LatencyBuckets(bounds: [0.1, 1, 10])

    /// Per series (agent, model, variant): streamed first-token times in seconds.
    static func firstTokens(in lines: [String]) throws -> [SeriesKey: [Double]] {
        var out: [SeriesKey: [Double]] = [:]
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let key = SeriesKey(agent: object["agent"] as! String, model: object["model"] as! String, variant: object["variant"] as! String)
            out[key, default: []] += []
            if object["stream"] as? Bool == true, let ttft = (object["ttft_ms"] as? NSNumber)?.doubleValue { out[key, default: []].append(ttft / 1000) }
        }
        return out
    }

    static func counts(_ seconds: [Double], _ bounds: [Double]) -> [UInt64] {
        var counts = [UInt64](repeating: 0, count: bounds.count + 1)
        for s in seconds { counts[bounds.firstIndex { s <= $0 } ?? bounds.count] += 1 }
        return counts
    }

    static func load(_ path: String, _ ttft: LatencyBuckets) throws -> [SeriesKey: SeriesTotals] {
        let store = try CallStore(path: path, buckets: .default, ttftBuckets: ttft, logger: Logger(label: "test"))
        let loaded = try store.loadTotals()
        return Dictionary(uniqueKeysWithValues: loaded.totals.series.map { ($0.key, $0.totals) })
    }

    @Test func changedBoundsRebuildTheHistogramFromStoredCalls() throws {
        let directory = TemporaryDirectory()
        let log = directory.file("calls.jsonl"), database = directory.file("calls.sqlite")
        var generator = CallLogGenerator(seed: 4, startTimestamp: 1_796_000_000)
        let lines = (0..<3000).map { _ in generator.nextLine() }
        _ = FileManager.default.createFile(atPath: log, contents: Data(lines.map { $0 + "\n" }.joined().utf8))
        let store = try CallStore(path: database, buckets: .default, logger: Logger(label: "test"))
        let ingestor = try CallIngestor(configuration: IngestConfiguration(calllogPath: log), store: store, logger: Logger(label: "test"))
        for _ in 0..<100 {
            let outcome = ingestor.step()
            if outcome.caughtUp && outcome.lines == 0 { break }
        }
        let truth = try Self.firstTokens(in: lines)
        #expect(truth.values.allSatisfy { !$0.isEmpty }, "every series should have streamed calls")

        for (bounds, name) in [(Self.coarse, "coarse"), (LatencyBuckets.timeToFirstToken, "default again")] {
            let loaded = try Self.load(database, bounds)
            #expect(loaded.count == truth.count)
            for (key, seconds) in truth {
                let totals = try #require(loaded[key])
                #expect(totals.ttftBucketCounts == Self.counts(seconds, bounds.bounds), "\(name): \(key)")
                #expect(abs(totals.ttftSumSeconds - seconds.reduce(0, +)) < 1e-6, "\(name): \(key)")
            }
            let meta = try SQLiteConnection(path: database, mode: .readOnly)
            let select = try meta.prepare("SELECT value FROM meta WHERE key = 'ttft_buckets'")
            #expect(try select.step() && select.string(0) == bounds.canonicalText)
        }
    }

    @Test func listTextIsParsedAndRefusedLikeTheLatencyBuckets() throws {
        #expect(try LatencyBuckets(list: "0.1, 1,10") == Self.coarse)
        #expect(throws: LatencyBuckets.ListError.self) { try LatencyBuckets(list: "0.1,fast") }
        #expect(throws: LatencyBuckets.ListError.self) { try LatencyBuckets(list: "1,0.5") }
        #expect(throws: LatencyBuckets.ListError.self) { try LatencyBuckets(list: "") }
    }
}
