// The `litellm` preset (docs/formats.md cites where each field's meaning comes from).

extension FormatPreset {
    static let litellm = FormatPreset(
        name: "litellm",
        summary: "TODO",
        yaml: """
        fields: {}
        """
    )
}
