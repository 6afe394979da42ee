import Foundation
import Testing
@testable import MetricsCore

/// Each shipped preset on fixture logs written from its gateway's documentation
/// (Fixtures/formats/<preset>/*.jsonl; docs/formats.md cites the sources): every line is parsed
/// by the compiled preset and compared, record by record, with PresetTruth's independent reading
/// through Foundation. The fixtures hold the shapes each format has in the field: streamed and
/// not, failures, missing optional fields, Envoy's old and new keys, OTLP lines of 1 to 20 spans
/// with non-GenAI spans among them, and records lacking a required field between good ones.
@Suite struct PresetFixtureTests {
    static let presetNames = ["litellm", "envoy-ai-gateway", "kong-ai-gateway", "otel-genai"]

    static let fixtureRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/formats")

    struct FixtureLine {
        var file: String
        var number: Int
        var bytes: [UInt8]

        var context: String { "\(file):\(number)" }
    }

    static func lines(of preset: String) throws -> [FixtureLine] {
        let directory = fixtureRoot.appendingPathComponent(preset)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".jsonl") }.sorted()
        var lines: [FixtureLine] = []
        for file in files {
            let data = try Data(contentsOf: directory.appendingPathComponent(file))
            for (offset, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
                lines.append(FixtureLine(file: "\(preset)/\(file)", number: offset + 1, bytes: Array(line)))
            }
        }
        return lines
    }

    static func parser(_ preset: String) throws -> RecordParser {
        let shipped = try #require(FormatPreset.named(preset))
        return RecordParser(format: try CallLogFormat(preset: shipped))
    }

    /// Every record of every fixture line, as the preset read it.
    static func parsed(_ preset: String) throws -> [(line: FixtureLine, records: [ParsedRecord])] {
        var parser = try parser(preset)
        return try lines(of: preset).map { ($0, parser.parse($0.bytes)) }
    }

    @Test(arguments: presetNames)
    func thePresetCompilesUnderItsName(_ preset: String) throws {
        let shipped = try #require(FormatPreset.named(preset))
        let format = try CallLogFormat(preset: shipped)
        #expect(format.name == preset)
        #expect(!shipped.summary.isEmpty && shipped.summary != "TODO")
        #expect(try CallLogFormat.named(preset).name == preset)
    }

    /// docs/formats.md writes every preset out as shipped.
    @Test(arguments: presetNames)
    func theDocumentationWritesThePresetOutVerbatim(_ preset: String) throws {
        let shipped = try #require(FormatPreset.named(preset))
        let docs = Self.fixtureRoot.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/formats.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        #expect(text.contains("### `\(preset)`"))
        #expect(text.contains("```yaml\n" + shipped.yaml + "\n```"), "docs/formats.md differs from FormatPreset.\(preset)")
    }

    @Test(arguments: presetNames)
    func everyFixtureRecordAgreesWithFoundation(_ preset: String) throws {
        let results = try Self.parsed(preset)
        #expect(results.count >= 7)
        for (line, records) in results {
            PresetTruth.expectAgreement(records, PresetTruth.outcomes(preset: preset, line: line.bytes), line.context)
        }
    }

    /// The fixtures hold the shapes they claim to, so that agreement above means something.
    @Test(arguments: presetNames)
    func theFixturesCoverTheShapesOfTheFormat(_ preset: String) throws {
        let results = try Self.parsed(preset)
        let records = results.flatMap(\.records)
        let accepted = records.compactMap { try? $0.result.get() }
        let refused = records.compactMap { record -> LineRejection? in
            if case let .failure(rejection) = record.result { return rejection }
            return nil
        }
        #expect(accepted.contains { $0.success })
        #expect(accepted.contains { !$0.success })
        #expect(refused.contains { $0.reason == .missingField })
        #expect(accepted.contains { $0.inputTokens == nil })
        #expect(Set(accepted.map(\.model)).count >= 3)
        #expect(Set(accepted.map(\.agent)).count >= 2)
        if preset != "envoy-ai-gateway" {
            // Envoy's access log does not say whether the answer was streamed.
            #expect(accepted.contains { $0.stream == true } || preset == "otel-genai")
            #expect(accepted.contains { $0.cachedInputTokens.map { $0 > 0 } == true })
        }
        if preset == "otel-genai" {
            let spanCounts = results.map(\.records.count)
            #expect(spanCounts.contains(1))
            #expect(spanCounts.contains(0))
            #expect(spanCounts.max() == 17, "the 20-span line has 3 non-GenAI spans")
        }
    }

    /// A record lacking a required field is refused on its own; the records around it stand.
    @Test(arguments: presetNames)
    func aRecordLackingARequiredFieldIsRefusedAloneWhileItsNeighboursAreRead(_ preset: String) throws {
        let results = try Self.parsed(preset)
        let flat = results.flatMap { line in line.records.map { (line.line.context, $0) } }
        let missing = try #require(flat.firstIndex { item in
            if case let .failure(rejection) = item.1.result { return rejection.reason == .missingField }
            return false
        })
        #expect(missing > 0 && missing < flat.count - 1)
        #expect((try? flat[missing - 1].1.result.get()) != nil, "\(flat[missing - 1].0)")
        #expect((try? flat[missing + 1].1.result.get()) != nil, "\(flat[missing + 1].0)")
    }

    // MARK: - Values read off the documentation by hand

    static func record(_ preset: String, _ file: String, line number: Int, index: Int = 0) throws -> CallRecord {
        let results = try parsed(preset)
        let line = try #require(results.first { $0.line.file == "\(preset)/\(file)" && $0.line.number == number })
        try #require(line.records.count > index, "\(line.line.context) has \(line.records.count) records")
        return try line.records[index].result.get()
    }

    @Test func liteLLMReadsTheKeyAliasEpochSecondsAndTheFirstChunk() throws {
        let plain = try Self.record("litellm", "success.jsonl", line: 1)
        #expect(plain.agent == "support_agent" && plain.model == "gpt-4o-mini" && plain.requestID == "chatcmpl-9f2c1a")
        #expect(abs(plain.latencyMs - 1250) < 1e-6 && plain.timestamp == 1_796_292_001.375)
        #expect(plain.costUSD == 0.00042 && plain.inputTokens == 150 && plain.outputTokens == 30 && plain.stream == false)
        let streamed = try Self.record("litellm", "success.jsonl", line: 2)
        // Epoch seconds as doubles carry about 0.2 µs near 1.8e9 s, so a difference of two is
        // exact only to that.
        #expect(streamed.stream == true && abs((streamed.ttftMs ?? 0) - 412.5) < 1e-3 && abs(streamed.latencyMs - 2500) < 1e-6)
        #expect(try Self.record("litellm", "success.jsonl", line: 3).agent == "support")
        let tuned = try Self.record("litellm", "success.jsonl", line: 4)
        #expect(tuned.agent == "unknown" && tuned.variant == "finetuned")
        #expect(try Self.record("litellm", "success.jsonl", line: 5).cacheHit == true)
        let reasoning = try Self.record("litellm", "success.jsonl", line: 6)
        #expect(reasoning.cachedInputTokens == 512 && reasoning.reasoningTokens == 640)
        let failed = try Self.record("litellm", "failures.jsonl", line: 1)
        #expect(!failed.success && failed.error == "RateLimitError" && failed.ttftMs == nil)
    }

    @Test func envoyPrefersTheOverrideAndReadsBothKeySets() throws {
        let old = try Self.record("envoy-ai-gateway", "genai-keys.jsonl", line: 2)
        #expect(old.model == "gpt-4o-2024-11-20" && old.latencyMs == 2210)
        #expect(old.agent == "httproute/default/support-route/rule/0/match/0/*")
        let first = try Self.record("envoy-ai-gateway", "genai-keys.jsonl", line: 1)
        #expect(first.inputTokens == 15 && first.outputTokens == 7 && first.success && abs(first.timestamp - 1_796_292_000.894) < 1e-6)
        #expect(try !Self.record("envoy-ai-gateway", "genai-keys.jsonl", line: 5).success)
        let offset = try Self.record("envoy-ai-gateway", "genai-keys.jsonl", line: 7)
        #expect(offset.agent == "unknown" && abs(offset.timestamp - 1_796_292_000.001) < 1e-6)
        let new = try Self.record("envoy-ai-gateway", "gen-ai-keys.jsonl", line: 2)
        #expect(new.model == "anthropic.claude-3-5-sonnet-20241022-v2:0" && new.inputTokens == 2048)
        let strings = try Self.record("envoy-ai-gateway", "gen-ai-keys.jsonl", line: 4)
        #expect(strings.success && strings.latencyMs == 950 && strings.inputTokens == 33)
        #expect(try Self.record("envoy-ai-gateway", "gen-ai-keys.jsonl", line: 5).model == "gpt-4o-mini-2024-07-18")
    }

    @Test func kongReadsTheAISectionAndSkipsOtherTraffic() throws {
        let first = try Self.record("kong-ai-gateway", "ai-proxy.jsonl", line: 1)
        #expect(first.model == "gpt-4o-mini-2024-07-18" && first.agent == "support_agent" && first.requestID == "kong-req-1")
        #expect(first.latencyMs == 2791 && first.costUSD == 0.0038 && first.stream == false && abs(first.timestamp - 1_796_292_000.123) < 1e-6)
        let streamed = try Self.record("kong-ai-gateway", "ai-proxy.jsonl", line: 2)
        #expect(streamed.stream == true && streamed.ttftMs == 1200 && streamed.cachedInputTokens == 4096 && streamed.reasoningTokens == 64)
        #expect(try Self.record("kong-ai-gateway", "ai-proxy.jsonl", line: 3).cacheHit == true)
        let limited = try Self.record("kong-ai-gateway", "ai-proxy.jsonl", line: 4)
        #expect(!limited.success && limited.model == "gpt-4o" && limited.costUSD == 0)
        #expect(try Self.record("kong-ai-gateway", "ai-proxy.jsonl", line: 6).agent == "public-faq")
        #expect(try Self.record("kong-ai-gateway", "ai-proxy.jsonl", line: 7).agent == "unknown")
        let healthCheck = try #require(try Self.parsed("kong-ai-gateway").first { $0.line.number == 8 })
        #expect(healthCheck.records.isEmpty)
        let old = try Self.record("kong-ai-gateway", "ai-proxy.jsonl", line: 10)
        #expect(old.inputTokens == 89 && old.outputTokens == 56)
        #expect(try Self.record("kong-ai-gateway", "ai-proxy.jsonl", line: 11).success, "a 302 is not a failure")
    }

    @Test func otelReadsEveryGenAISpanWithItsResource() throws {
        let single = try Self.record("otel-genai", "batches.jsonl", line: 1)
        #expect(single.agent == "qa_agent" && single.model == "gpt-4o-mini-2024-07-18" && single.requestID == "0a1b2c3d4e5f6071")
        #expect(abs(single.latencyMs - 850.123456) < 1e-6 && single.inputTokens == 120 && single.success)
        let batch = try #require(try Self.parsed("otel-genai").first { $0.line.number == 2 }).records
        let agents = batch.compactMap { try? $0.result.get().agent }
        #expect(agents.prefix(8).allSatisfy { $0 == "support_agent" } && agents.dropFirst(8).allSatisfy { $0 == "billing_agent" })
        let limited = try batch[6].result.get()
        #expect(!limited.success && limited.error == "openai.RateLimitError")
        #expect(try batch[7].result.get().success, "status OK")
        #expect(try batch[4].result.get().model == "gpt-4o-mini", "no response model: the requested one")
        guard case let .failure(rejection) = batch[15].result else { Issue.record("the span without a model was accepted"); return }
        #expect(rejection.reason == .missingField)
        let timedOut = try batch[16].result.get()
        #expect(!timedOut.success && timedOut.error == "timeout" && timedOut.latencyMs == 30_000)
        let agentSpan = try Self.record("otel-genai", "batches.jsonl", line: 4)
        #expect(agentSpan.agent == "triage_agent" && agentSpan.reasoningTokens == 512)
        #expect(try Self.record("otel-genai", "batches.jsonl", line: 5).agent == "unknown")
    }
}
