// The `otel-genai` preset (docs/formats.md cites where each field's meaning comes from).

extension FormatPreset {
    static let otelGenAI = FormatPreset(
        name: "otel-genai",
        summary: "TODO",
        yaml: """
        fields: {}
        """
    )
}
