// The `kong-ai-gateway` preset (docs/formats.md cites where each field's meaning comes from).

extension FormatPreset {
    static let kongAIGateway = FormatPreset(
        name: "kong-ai-gateway",
        summary: "TODO",
        yaml: """
        fields: {}
        """
    )
}
