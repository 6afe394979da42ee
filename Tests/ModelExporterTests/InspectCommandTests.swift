import Foundation
import MetricsCore
import Testing

/// `model-exporter inspect` as a new user runs it before `serve`: it names the format that fits,
/// prints the config to run with, and refuses (exit 1, with what to map) a log no format fits.
struct InspectCommandTests {
    static func write(_ lines: [String], to path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(lines.map { $0 + "\n" }.joined().utf8))
    }

    @Test func theDefaultFormatIsFoundOnAGeneratedLog() async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        var generator = CallLogGenerator(seed: 3, startTimestamp: 1_796_292_000)
        Self.write((0..<300).map { _ in generator.nextLine() }, to: dir.file("calls.jsonl"))
        let run = try await ExporterProcess.run(["inspect", "--calllog.path", dir.file("calls.jsonl")], in: dir.path)
        let text = String(decoding: run.stdout, as: UTF8.self)
        #expect(run.exit == .success, "\(run.exit): \(run.stderr)")
        #expect(text.contains("Best fit: model-exporter (100.0% of lines accepted)"), "\(text)")
        #expect(text.contains("format: model-exporter"))
        #expect(text.contains("agent "))
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("MetricsCoreTests/Fixtures/formats")

    /// Each preset's fixture log (its real shapes, a few bad lines among them) is recognised as that preset.
    @Test(arguments: ["litellm", "envoy-ai-gateway", "kong-ai-gateway", "otel-genai"])
    func eachPresetsFixtureLogIsRecognised(preset: String) async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let folder = Self.fixtures.appendingPathComponent(preset)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".jsonl") }.sorted()
        let text = try files.map { try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }.joined()
        try text.write(toFile: dir.file("calls.jsonl"), atomically: true, encoding: .utf8)
        let run = try await ExporterProcess.run(["inspect", "--calllog.path", dir.file("calls.jsonl")], in: dir.path)
        let output = String(decoding: run.stdout, as: UTF8.self)
        #expect(output.contains("Best fit: \(preset) ("), "\(output)")
        #expect(run.exit.status == 0 || run.exit.status == 1, "\(run.exit): \(run.stderr)")
    }

    @Test func aLogNoFormatFitsExitsOneAndSaysWhatToMap() async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        Self.write((0..<50).map { #"{"when":\#($0),"who":"x"}"# }, to: dir.file("calls.jsonl"))
        let run = try await ExporterProcess.run(["inspect", "--calllog.path", dir.file("calls.jsonl")], in: dir.path)
        let text = String(decoding: run.stdout, as: UTF8.self)
        #expect(run.exit.status == 1 && !run.exit.bySignal, "\(run.exit)")
        #expect(text.contains("No format accepts 90% of the sample"), "\(text)")
        #expect(text.contains("missing_field, e.g. the line at byte 0"), "\(text)")
        #expect(text.contains("docs/formats.md"))
    }

    @Test func aMappingInTheConfigFileIsTriedAndNamed() async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        Self.write((0..<40).map { #"{"t":\#(1_796_292_000_000 + $0),"m":"x","code":\#($0 % 10 == 0 ? 500 : 200),"d":12}"# },
                   to: dir.file("calls.jsonl"))
        try """
        calllog:
          path: \(dir.file("calls.jsonl"))
          format:
            name: mine
            fields:
              ts: {path: t, unit: ms}
              agent: {const: gateway}
              model: m
              success: {path: code, range: [200, 299]}
              latency_ms: d
        """.write(toFile: dir.file("config.yaml"), atomically: true, encoding: .utf8)
        let run = try await ExporterProcess.run(["inspect", "--calllog.path", dir.file("calls.jsonl"),
                                                 "--config.file", dir.file("config.yaml")], in: dir.path)
        let text = String(decoding: run.stdout, as: UTF8.self)
        #expect(run.exit == .success, "\(run.exit): \(run.stderr)")
        #expect(text.contains("mine               40/40 100.0%"), "\(text)")
        #expect(text.contains("success              40×      true (36), false (4)"), "\(text)")
        #expect(text.contains("model-exporter serve --config.file \(dir.file("config.yaml"))"))
    }

    @Test func anUnreadableLogIsAClearError() async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let run = try await ExporterProcess.run(["inspect", "--calllog.path", dir.file("absent.jsonl")], in: dir.path)
        #expect(run.exit.status != 0 && run.exit.status != 1)
        #expect(run.stderr.contains("cannot open \(dir.file("absent.jsonl"))"), "\(run.stderr)")
    }
}
