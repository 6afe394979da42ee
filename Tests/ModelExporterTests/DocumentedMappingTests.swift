import Foundation
import MetricsCore
import Testing

/// The example mapping of docs/formats.md, as a user copies it into a config file: `ingest`
/// reads a log with those renamed, nested fields (a batch of records per line, one of them not
/// of the required kind) into exactly the rows the log says.
struct DocumentedMappingTests {
    static func documentedExample() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let docs = try String(contentsOf: root.appendingPathComponent("docs/formats.md"), encoding: .utf8)
        let section = try #require(docs.range(of: "## The mapping schema"))
        let start = try #require(docs.range(of: "```yaml\n", range: section.upperBound..<docs.endIndex))
        let end = try #require(docs.range(of: "```", range: start.upperBound..<docs.endIndex))
        return String(docs[start.upperBound..<end.lowerBound])
    }

    @Test func theExampleOfTheDocsReadsALogWithRenamedNestedFields() async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let config = try Self.documentedExample()
        #expect(config.contains("format:") && config.contains("fields:"))
        try config.write(toFile: dir.file("config.yaml"), atomically: true, encoding: .utf8)
        let lines = [
            #"{"batch":[{"kind":"call","id":"a1","started_at":"2026-12-03T10:00:00Z","finished_at":"2026-12-03T10:00:01.250Z","caller":{"alias":"qa_agent"},"request":{"model":"base"},"response":{"model":"base-2026"},"labels":{"arm":"finetuned"},"outcome":"ok","usage":{"cost":0.002,"prompt":120,"completion":30}},{"id":"skipped"},{"kind":"call","id":"a2","started_at":"2026-12-03T10:00:02Z","finished_at":"2026-12-03T10:00:02.500Z","caller":{"team":"legal"},"request":{"model":"base"},"outcome":"rate_limited"}]}"#,
            #"{"batch":[{"kind":"call","id":"a3","started_at":"2026-12-03T10:00:03Z","finished_at":"2026-12-03T10:00:04Z","request":{"model":"base"},"outcome":"ok"}]}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir.file("calls.jsonl"), atomically: true, encoding: .utf8)
        let run = try await ExporterProcess.run(["ingest", "--config.file", dir.file("config.yaml"), "--calllog.path", dir.file("calls.jsonl"),
                                                 "--storage.path", dir.file("calls.sqlite"), "--json"], in: dir.path)
        #expect(run.exit == .success, "\(run.exit): \(run.stderr)")
        let db = try SQLiteConnection(path: dir.file("calls.sqlite"), mode: .readOnly)
        let rows = try db.prepare("""
            SELECT request_id, agent, model, variant, success, latency_ms, cost_usd, input_tokens, record_index
            FROM calls ORDER BY source_offset, record_index
            """)
        var found: [String] = []
        while try rows.step() {
            found.append([rows.string(0) ?? "", rows.string(1) ?? "", rows.string(2) ?? "", rows.string(3) ?? "",
                          "\(rows.int64(4))", "\(rows.double(5))", "\(rows.double(6))", "\(rows.int64(7))", "\(rows.int64(8))"]
                .joined(separator: " "))
        }
        #expect(found == [
            "a1 qa_agent base-2026 finetuned 1 1250.0 0.002 120 0",
            "a2 legal base baseline 0 500.0 0.0 0 1",
            "a3 unknown base baseline 1 1000.0 0.0 0 0",
        ])
    }
}
