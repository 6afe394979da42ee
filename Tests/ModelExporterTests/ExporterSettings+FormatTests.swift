import Foundation
import MetricsCore
import Testing

@testable import ModelExporter

/// `calllog.format` and `calllog.pricing` through every layer: a preset name by flag or
/// environment, a field mapping and a pricing table in the config file, and their problems.
struct ExporterSettingsFormatTests {
    @Test func aPresetNameByFlagOrEnvironment() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        var flags = ExporterSettingsTests.required(dir)
        let plain = try ExporterSettings.resolve(flags: flags, environment: [:], configFile: nil)
        #expect(plain.ingestConfiguration.format.name == "model-exporter")
        let byEnvironment = try ExporterSettings.resolve(flags: flags, environment: ["MODEL_EXPORTER_CALLLOG_FORMAT": "litellm"], configFile: nil)
        #expect(byEnvironment.ingestConfiguration.format.name == "litellm")
        flags["calllog.format"] = "otel-genai"
        let byFlag = try ExporterSettings.resolve(flags: flags, environment: ["MODEL_EXPORTER_CALLLOG_FORMAT": "litellm"], configFile: nil)
        #expect(byFlag.ingestConfiguration.format.name == "otel-genai")
    }

    @Test func aMappingAndAPricingTableInTheConfigFile() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let config = try ExporterSettingsTests.writeConfig("""
            calllog:
              format:
                name: renamed
                fields:
                  ts: {path: meta.finished, unit: s}
                  agent: {path: who.alias, default: unknown}
                  model: {path: ["used.model", "asked.model"]}
                  success: {path: http.status, map: {200: true, "*": false}}
                  latency_ms: {path: meta.finished, minus: meta.started, unit: s}
                  input_tokens: usage.in
                  output_tokens: usage.out
              pricing:
                gpt-4.1: {input: 2, output: 8}
            """, in: dir)
        let settings = try ExporterSettings.resolve(flags: ExporterSettingsTests.required(dir), environment: [:], configFile: config)
        let format = settings.ingestConfiguration.format
        #expect(format.name == "renamed")
        #expect(format.pricing == ModelPricing(["gpt-4.1": .init(inputPerMillion: 2, outputPerMillion: 8)]))
        var parser = RecordParser(format: format)
        let line = #"{"meta":{"started":1796292000.25,"finished":1796292001},"used":{"model":"gpt-4.1"},"http":{"status":200},"usage":{"in":1000,"out":500}}"#
        let parsed = parser.parse(Array(line.utf8))
        let call = try #require(try parsed.first?.result.get())
        #expect(call.agent == "unknown" && call.model == "gpt-4.1" && call.success)
        #expect(abs(call.latencyMs - 750) < 1e-6)
        #expect(abs(call.costUSD - 0.006) < 1e-12)
    }

    @Test func problemsOfTheMappingAndThePricesNameTheirKey() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let config = try ExporterSettingsTests.writeConfig("""
            calllog:
              format:
                fields:
                  ts: {path: t, unit: fortnights}
                  agent: a
                  agent_name: b
            """, in: dir)
        var flags = ExporterSettingsTests.required(dir)
        flags["calllog.pricing"] = "gpt-4o=2.5,claude=3/15"
        do {
            _ = try ExporterSettings.resolve(flags: flags, environment: [:], configFile: config)
            Issue.record("a bad mapping must be refused")
        } catch {
            let text = error.problems.joined(separator: "\n")
            #expect(text.contains("key calllog.format: fields.ts.unit must be one of rfc3339, s, ms, us, ns"), "\(text)")
            #expect(text.contains("fields.agent_name: unknown field"), "\(text)")
            #expect(text.contains("flag --calllog.pricing: gpt-4o=2.5 is not MODEL=INPUT/OUTPUT"), "\(text)")
        }
        #expect(throws: ConfigurationError.self) {
            try ExporterSettings.resolve(flags: ["calllog.format": "splunk"].merging(ExporterSettingsTests.required(dir)) { $1 },
                                         environment: [:], configFile: nil)
        }
    }
}
