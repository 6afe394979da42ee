import Foundation
import Logging
import Testing
@testable import MetricsCore

/// Each preset's fixture logs through the whole pipeline (tailer, record parser, SQLite store,
/// aggregator, exposition), compared with PresetTruth's Foundation reading of the same lines:
/// one `calls` row per accepted record with its line's offset and its index, one
/// `rejected_lines` row per refused record or line, and `/metrics` counting exactly those rows
/// per (agent, model, variant).
@Suite struct PresetIngestTests {
    let logger = Logger(label: "test")

    struct ExpectedRow {
        var offset: Int64
        var index: Int64
        var record: CallRecord
    }

    @Test(arguments: PresetFixtureTests.presetNames)
    func callsRowsAndMetricsMatchTheLog(_ preset: String) throws {
        let dir = TemporaryDirectory()
        let log = dir.file("calls.jsonl")
        let lines = try PresetFixtureTests.lines(of: preset)
        var text: [UInt8] = []
        var accepted: [ExpectedRow] = []
        var rejected: [(offset: Int64, index: Int64, reason: RejectReason)] = []
        for line in lines {
            let offset = Int64(text.count)
            text += line.bytes + [UInt8(ascii: "\n")]
            var index: Int64 = 0
            for outcome in PresetTruth.outcomes(preset: preset, line: line.bytes) {
                switch outcome {
                case let .record(record): accepted.append(ExpectedRow(offset: offset, index: index, record: record))
                case let .rejected(reason): rejected.append((offset, index, reason))
                }
                index += 1
            }
        }
        try Data(text).write(to: URL(fileURLWithPath: log))

        let db = dir.file("calls.sqlite")
        let store = try CallStore(path: db, buckets: .default, logger: logger)
        var configuration = IngestConfiguration(calllogPath: log)
        configuration.format = try CallLogFormat(preset: try #require(FormatPreset.named(preset)))
        configuration.batchLines = 4
        let ingestor = try CallIngestor(configuration: configuration, store: store, logger: logger)
        for _ in 0..<1000 {
            let outcome = ingestor.step()
            if outcome.caughtUp && outcome.lines == 0 { break }
        }

        let connection = try SQLiteConnection(path: db, mode: .readOnly)
        let rows = try connection.prepare("""
            SELECT source_offset, record_index, ts, request_id, agent, model, variant, success, fallback, fallback_model,
                   error, latency_ms, cost_usd, input_tokens, output_tokens, stream, ttft_ms, cached_input_tokens,
                   reasoning_tokens, cache_hit
            FROM calls ORDER BY source_offset, record_index
            """)
        var stored: [ExpectedRow] = []
        while try rows.step() {
            func count(_ column: Int32) -> Int64? { rows.isNull(column) ? nil : rows.int64(column) }
            func flag(_ column: Int32) -> Bool? { rows.isNull(column) ? nil : rows.int64(column) != 0 }
            let record = CallRecord(
                timestamp: rows.double(2), requestID: rows.string(3), agent: rows.string(4) ?? "", model: rows.string(5) ?? "",
                variant: rows.string(6) ?? "", success: rows.int64(7) != 0, fallback: rows.int64(8) != 0,
                fallbackModel: rows.string(9), error: rows.string(10), latencyMs: rows.double(11), costUSD: rows.double(12),
                inputTokens: count(13), outputTokens: count(14), stream: flag(15),
                ttftMs: rows.isNull(16) ? nil : rows.double(16), cachedInputTokens: count(17), reasoningTokens: count(18),
                cacheHit: flag(19)
            )
            stored.append(ExpectedRow(offset: rows.int64(0), index: rows.int64(1), record: record))
        }
        #expect(accepted.count >= 5 && !rejected.isEmpty)
        #expect(stored.count == accepted.count, "\(preset): \(stored.count) rows, expected \(accepted.count)")
        for (row, truth) in zip(stored, accepted) {
            #expect(row.offset == truth.offset && row.index == truth.index, "\(preset): row at \(row.offset)/\(row.index), expected \(truth.offset)/\(truth.index)")
            PresetTruth.expectClose(row.record, truth.record, "\(preset) @\(truth.offset)/\(truth.index)")
        }

        let refused = try connection.prepare("SELECT source_offset, record_index, reason FROM rejected_lines ORDER BY source_offset, record_index")
        var quarantined: [(Int64, Int64, String)] = []
        while try refused.step() {
            quarantined.append((refused.int64(0), refused.int64(1), refused.string(2) ?? ""))
        }
        #expect(quarantined.count == rejected.count, "\(preset): \(quarantined) vs \(rejected)")
        for (row, truth) in zip(quarantined, rejected) {
            #expect(row.0 == truth.offset && row.1 == truth.index, "\(preset): rejected at \(row.0)/\(row.1)")
            if truth.reason == .invalidJSON {
                #expect(["invalid_json", "invalid_utf8"].contains(row.2))
            } else {
                #expect(row.2 == truth.reason.rawValue)
            }
        }

        // /metrics: per series, the requests by outcome that the accepted records make.
        var expectedSeries: [SeriesKey: (success: UInt64, error: UInt64)] = [:]
        for row in accepted {
            let key = SeriesKey(agent: row.record.agent, model: row.record.model, variant: row.record.variant)
            var counts = expectedSeries[key, default: (0, 0)]
            if row.record.success { counts.success += 1 } else { counts.error += 1 }
            expectedSeries[key] = counts
        }
        let snapshot = ingestor.snapshot()
        let published = snapshot.series.filter { $0.totals.requests > 0 }
        #expect(published.count == expectedSeries.count, "\(preset): \(published.map(\.key)) vs \(expectedSeries.keys)")
        let exposition = String(decoding: ExpositionWriter.write(snapshot), as: UTF8.self)
        for (key, counts) in expectedSeries {
            let labels = "agent=\"\(key.agent)\",model=\"\(key.model)\",variant=\"\(key.variant)\""
            #expect(exposition.contains("model_requests_total{\(labels),outcome=\"success\"} \(counts.success)\n"), "\(preset): \(labels)")
            #expect(exposition.contains("model_requests_total{\(labels),outcome=\"error\"} \(counts.error)\n"), "\(preset): \(labels)")
        }
    }
}
