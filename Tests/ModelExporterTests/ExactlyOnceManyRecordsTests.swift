import Foundation
import Glibc
import MetricsCore
import Testing

/// Exactly once per record when a line holds many (OTLP batches of 1–20 spans): kill -9 at
/// random moments of a backfill, restart on the same database, and at the end every GenAI span
/// is one row, no span is missing or doubled, and the counters equal the spans written.
@Suite(.serialized)
struct ExactlyOnceManyRecordsTests {
    @Test func killNineNeitherLosesNorDoublesASpan() async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let log = dir.file("spans.jsonl")
        let database = dir.file("calls.sqlite")
        let seed = UInt64(Date().timeIntervalSince1970 * 1000)
        var random = OTLPBatchLines(seed: seed ^ 0xA5A5)
        var writer = OTLPBatchLines(seed: seed)
        func write(_ lines: Int) throws {
            let text = (0..<lines).map { _ in writer.nextLine() + "\n" }.joined()
            try HTTPEndpointTests.append(text, to: log)
        }
        FileManager.default.createFile(atPath: log, contents: nil)
        try write(6000)
        let serve = ["serve", "--calllog.path", log, "--calllog.format", "otel-genai", "--storage.path", database,
                     "--web.listen-address", "127.0.0.1:0", "--storage.batch-lines", "500"]
        var figures: [String] = []
        for kill in 1...3 {
            let exporter = try ExporterProcess(serve, in: dir.path)
            try await exporter.waitForPort()
            let stored = try Self.rows(database)
            let threshold = stored + 1 + Int(random.nextLine().utf8.count % 20_000)
            let health = try await exporter.waitForHealth(timeout: 60, "accepted ≥ \(threshold)") {
                $0.acceptedLines >= threshold || ($0.catchUpComplete && $0.calllog.lagBytes == 0)
            }
            let exit = try await exporter.kill9()
            #expect(exit == ExporterProcess.Exit(status: SIGKILL, bySignal: true), "exporter ended before the kill: \(exit)")
            figures.append("kill \(kill) at accepted=\(health.acceptedLines): \(try Self.rows(database)) rows committed")
            try write(500)
        }
        let expected = writer.genAISpans
        let exporter = try ExporterProcess(serve, in: dir.path)
        try await exporter.waitForPort()
        try await exporter.waitForHealth(timeout: 120, "all \(expected.count) spans") {
            $0.catchUpComplete && $0.calllog.lagBytes == 0 && $0.acceptedLines == expected.count
        }
        let metrics = try exporter.get("/metrics").text
        _ = try await exporter.terminate()

        let db = try SQLiteConnection(path: database, mode: .readOnly)
        func integer(_ sql: String) throws -> Int {
            let statement = try db.prepare(sql)
            return try statement.step() ? Int(statement.int64(0)) : -1
        }
        #expect(try integer("SELECT count(*) FROM calls") == expected.count, "\(figures)")
        #expect(try integer("SELECT count(DISTINCT request_id) FROM calls") == expected.count)
        #expect(try integer("SELECT count(*) FROM (SELECT 1 FROM calls GROUP BY source_id, source_offset, record_index HAVING count(*) > 1)") == 0)
        #expect(try integer("SELECT count(*) FROM rejected_lines") == 0)
        // Row by row: the values written, in file order.
        let rows = try db.prepare("SELECT request_id, agent, model, success, latency_ms, input_tokens, output_tokens FROM calls ORDER BY source_offset, record_index")
        var index = 0, mismatches: [String] = []
        while try rows.step() {
            let span = expected[index]
            let row = OTLPBatchLines.Span(spanID: rows.string(0) ?? "", agent: rows.string(1) ?? "", model: rows.string(2) ?? "",
                                          success: rows.int64(3) == 1, latencyNanos: Int64((rows.double(4) * 1_000_000).rounded()),
                                          inputTokens: rows.int64(5), outputTokens: rows.int64(6))
            if row != span, mismatches.count < 5 { mismatches.append("row \(index): \(row) != \(span)") }
            index += 1
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
        let successes = expected.filter(\.success).count
        let requests = try ExpositionSamples(metrics).samples("model_requests_total")
        #expect(requests.reduce(0) { $0 + $1.value } == Double(expected.count))
        #expect(requests.filter { $0.labels["outcome"] == "error" }.reduce(0) { $0 + $1.value } == Double(expected.count - successes))
        // Per agent and model, as the spans were written.
        for agent in OTLPBatchLines.agents {
            let written = expected.filter { $0.agent == agent }.count
            let exported = requests.filter { $0.labels["agent"] == agent }.reduce(0) { $0 + $1.value }
            #expect(exported == Double(written), "\(agent)")
        }
    }

    static func rows(_ database: String) throws -> Int {
        guard FileManager.default.fileExists(atPath: database) else { return 0 }
        let db = try SQLiteConnection(path: database, mode: .readOnly)
        guard let exists = try? db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'calls'"), try exists.step(),
              exists.int64(0) == 1 else { return 0 }
        let statement = try db.prepare("SELECT count(*) FROM calls")
        return try statement.step() ? Int(statement.int64(0)) : 0
    }
}
