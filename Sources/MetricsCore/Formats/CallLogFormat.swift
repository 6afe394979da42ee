/// The format of a call log: the default (`model-exporter`, read by the strict ``CallLogParser``)
/// or a field mapping, a preset's or the user's, compiled once.
public struct CallLogFormat: Sendable {
    public static let defaultName = "model-exporter"
    public static let `default` = CallLogFormat(name: defaultName, mapping: nil)

    public let name: String
    /// nil for the default format.
    let mapping: CompiledMapping?
    /// Prices a record whose mapping found no cost (mapped formats only: the default format's
    /// `cost_usd` is logged by the gateway itself).
    public var pricing = ModelPricing()

    private init(name: String, mapping: CompiledMapping?) {
        self.name = name
        self.mapping = mapping
    }

    public init(preset: FormatPreset) throws(FormatMappingError) {
        try self.init(yaml: preset.yaml, defaultName: preset.name)
    }

    /// A user's mapping (docs/formats.md); every problem in one error.
    public init(yaml: String, defaultName: String = "custom") throws(FormatMappingError) {
        let mapping: FormatMapping
        switch FormatMapping.decode(yaml: yaml, defaultName: defaultName) {
        case let .success(decoded): mapping = decoded
        case let .failure(error): throw error
        }
        let compiled = try CompiledMapping(mapping)
        self.init(name: compiled.name, mapping: compiled)
    }

    /// `model-exporter` or a preset's name.
    public static func named(_ name: String) throws(FormatMappingError) -> CallLogFormat {
        if name == defaultName { return .default }
        guard let preset = FormatPreset.named(name) else {
            let known = ([defaultName] + FormatPreset.mapped.map(\.name)).joined(separator: ", ")
            throw FormatMappingError(problems: ["unknown call-log format \(name) (the formats are \(known), or a mapping: docs/formats.md)"])
        }
        return try CallLogFormat(preset: preset)
    }

    /// Every format `inspect` tries, the default first.
    public static var allNames: [String] { [defaultName] + FormatPreset.mapped.map(\.name) }
}
