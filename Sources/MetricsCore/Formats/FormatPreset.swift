/// A shipped call-log format: a field mapping written in the same YAML schema a user writes under
/// `calllog.format` in the config file (docs/formats.md). Nothing about a preset is special-cased
/// in code: `CallLogFormat(preset:)` compiles its YAML exactly as it compiles a user's mapping.
package struct FormatPreset: Sendable {
    /// The `--calllog.format` value.
    package let name: String
    /// One line for `inspect` and `--help`: what a record of this format is.
    package let summary: String
    /// The mapping, as docs/formats.md writes it out (a test keeps the two equal).
    package let yaml: String

    init(name: String, summary: String, yaml: String) {
        self.name = name
        self.summary = summary
        self.yaml = yaml
    }

    /// The mapped presets, in the order `inspect` tries them. The default format
    /// (`model-exporter`) is not among them: it has its own strict parser (CallLogParser).
    package static let mapped: [FormatPreset] = [.litellm, .envoyAIGateway, .kongAIGateway, .otelGenAI]

    package static func named(_ name: String) -> FormatPreset? {
        mapped.first { $0.name == name }
    }
}
