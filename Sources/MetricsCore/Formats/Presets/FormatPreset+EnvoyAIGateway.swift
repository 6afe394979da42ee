// The `envoy-ai-gateway` preset (docs/formats.md cites where each field's meaning comes from).

extension FormatPreset {
    static let envoyAIGateway = FormatPreset(
        name: "envoy-ai-gateway",
        summary: "TODO",
        yaml: """
        fields: {}
        """
    )
}
