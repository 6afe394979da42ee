import Foundation
import Testing
@testable import MetricsCore

/// The shipped presets compile under their names and docs/formats.md's table lists each one
/// (PresetFixtureTests checks that the docs write each preset out verbatim).
struct FormatPresetTests {
    static let docs: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("docs/formats.md"), encoding: .utf8)) ?? ""
    }()

    @Test(arguments: FormatPreset.mapped.map(\.name))
    func thePresetCompilesAndIsListedInTheDocs(name: String) throws {
        let preset = try #require(FormatPreset.named(name))
        let format = try CallLogFormat(preset: preset)
        #expect(format.name == name)
        #expect(!preset.summary.isEmpty && !preset.summary.contains("TODO"))
        #expect(Self.docs.contains("| `\(name)` |"), "docs/formats.md's table must list \(name)")
    }

    @Test func everyFormatNameIsKnownAndUnknownOnesAreRefused() throws {
        #expect(CallLogFormat.allNames == ["model-exporter", "litellm", "envoy-ai-gateway", "kong-ai-gateway", "otel-genai"])
        for name in CallLogFormat.allNames { #expect(try CallLogFormat.named(name).name == name) }
        #expect(throws: FormatMappingError.self) { try CallLogFormat.named("splunk") }
    }
}
