/// The format of a call log: the default (`model-exporter`, read by the strict ``CallLogParser``)
/// or a field mapping, a preset's or the user's, compiled once.
package struct CallLogFormat: Sendable {
    package static let defaultName = "model-exporter"
    package static let `default` = CallLogFormat(name: defaultName, mapping: nil)

    package let name: String
    /// nil for the default format.
    let mapping: CompiledMapping?
    /// Prices a record whose mapping found no cost (mapped formats only: the default format's
    /// `cost_usd` is logged by the gateway itself).
    package var pricing = ModelPricing()

    private init(name: String, mapping: CompiledMapping?) {
        self.name = name
        self.mapping = mapping
    }

    package init(preset: FormatPreset) throws(FormatMappingError) {
        try self.init(yaml: preset.yaml, defaultName: preset.name)
    }

    /// A user's mapping (docs/formats.md); every problem in one error.
    package init(yaml: String, defaultName: String = "custom") throws(FormatMappingError) {
        let mapping: FormatMapping
        switch FormatMapping.decode(yaml: yaml, defaultName: defaultName) {
        case let .success(decoded): mapping = decoded
        case let .failure(error): throw error
        }
        let compiled = try CompiledMapping(mapping)
        self.init(name: compiled.name, mapping: compiled)
    }

    /// `model-exporter` or a preset's name.
    package static func named(_ name: String) throws(FormatMappingError) -> CallLogFormat {
        if name == defaultName { return .default }
        guard let preset = FormatPreset.named(name) else {
            let known = ([defaultName] + FormatPreset.mapped.map(\.name)).joined(separator: ", ")
            throw FormatMappingError(problems: ["unknown call-log format \(name) (the formats are \(known), or a mapping: docs/formats.md)"])
        }
        return try CallLogFormat(preset: preset)
    }

    /// Every format `inspect` tries, the default first.
    package static var allNames: [String] { [defaultName] + FormatPreset.mapped.map(\.name) }
}
