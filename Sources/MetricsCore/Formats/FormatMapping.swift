import Yams

/// A call-log format as a mapping declares it (docs/formats.md), decoded from YAML but not yet
/// compiled. Decoding checks the shape (known keys, the right kinds of values); compiling
/// (`CompiledMapping`) checks what the paths, units and rules mean together.
struct FormatMapping: Sendable {
    var name: String
    var records: String?
    var require: String?
    /// With `require: {path: ..., in: [...]}`: the values that make a record; empty: any value.
    var requireValues: [String] = []
    var fields: [(field: CallLogParser.Field, rule: FieldRule)]

    static let fieldNames = CallLogParser.Field.allCases.map(\.key)

    /// Decodes a mapping from YAML text; every problem found, not only the first.
    static func decode(yaml text: String, defaultName: String) -> Result<FormatMapping, FormatMappingError> {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            return .failure(FormatMappingError(problems: ["the mapping is not valid YAML: \(error)"]))
        }
        guard let root, let top = root.mapping else {
            return .failure(FormatMappingError(problems: ["a format mapping must be a YAML mapping with a fields: table"]))
        }
        var problems: [String] = []
        var mapping = FormatMapping(name: defaultName, fields: [])
        var sawFields = false
        for (keyNode, value) in top {
            let key = keyNode.string ?? ""
            switch key {
            case "name":
                if let name = plainText(value) { mapping.name = name } else { problems.append("name must be a string") }
            case "records":
                if let path = plainText(value) { mapping.records = path } else { problems.append("records must be a path") }
            case "require":
                if let path = plainText(value) {
                    mapping.require = path
                } else if let table = value.mapping, let path = table["path"].flatMap(plainText),
                          let values = table["in"]?.sequence?.compactMap({ $0.scalar?.string }), !values.isEmpty,
                          table.count == 2 {
                    mapping.require = path
                    mapping.requireValues = values
                } else {
                    problems.append("require must be a path, or {path: PATH, in: [VALUE, ...]}")
                }
            case "fields":
                sawFields = true
                guard let table = value.mapping else {
                    problems.append("fields must be a mapping of field name to rule")
                    continue
                }
                for (fieldNode, ruleNode) in table {
                    let name = fieldNode.string ?? ""
                    guard let field = CallLogParser.Field.allCases.first(where: { $0.key == name }) else {
                        problems.append("fields.\(name): unknown field (the fields are \(fieldNames.joined(separator: ", ")))")
                        continue
                    }
                    switch decodeRule(ruleNode, field: name) {
                    case let .success(rule): mapping.fields.append((field, rule))
                    case let .failure(error): problems += error.problems
                    }
                }
            default:
                problems.append("unknown key \(key) (a mapping has name, records, require and fields)")
            }
        }
        if !sawFields { problems.append("the mapping has no fields: table") }
        return problems.isEmpty ? .success(mapping) : .failure(FormatMappingError(problems: problems))
    }

    private static func decodeRule(_ node: Node, field: String) -> Result<FieldRule, FormatMappingError> {
        var rule = FieldRule()
        // `agent: metadata.alias` is short for `agent: {path: metadata.alias}`.
        if let path = plainText(node) {
            rule.paths = [path]
            return .success(rule)
        }
        guard let table = node.mapping else {
            return .failure(FormatMappingError(problems: ["fields.\(field) must be a path or a mapping such as {path: ...}"]))
        }
        var problems: [String] = []
        let here = "fields.\(field)"
        for (keyNode, value) in table {
            let key = keyNode.string ?? ""
            switch key {
            case "path", "minus":
                guard let list = pathList(value) else {
                    problems.append("\(here).\(key) must be a path or a list of paths")
                    continue
                }
                if key == "path" { rule.paths = list } else { rule.minus = list }
            case "const", "default":
                guard let scalar = scalar(value) else {
                    problems.append("\(here).\(key) must be a string, number or boolean")
                    continue
                }
                if key == "const" { rule.constant = scalar } else { rule.fallback = scalar }
            case "unit":
                guard let text = plainText(value), let unit = TimeUnit(rawValue: text) else {
                    problems.append("\(here).unit must be one of \(TimeUnit.allCases.map(\.rawValue).joined(separator: ", "))")
                    continue
                }
                rule.unit = unit
            case "map":
                guard let entries = value.mapping else {
                    problems.append("\(here).map must be a mapping of value to result")
                    continue
                }
                for (fromNode, toNode) in entries {
                    guard let from = fromNode.scalar?.string, let to = scalar(toNode) else {
                        problems.append("\(here).map: each entry maps a scalar to a string, number or boolean")
                        continue
                    }
                    if from == "*" { rule.otherwise = to } else { rule.map.append((from, to)) }
                }
            case "range":
                guard let bounds = value.sequence, bounds.count == 2,
                      let low = bounds[0].float, let high = bounds[1].float, low <= high else {
                    problems.append("\(here).range must be [low, high] with low <= high")
                    continue
                }
                rule.range = low...high
            default:
                problems.append("\(here): unknown key \(key) (a rule has path, const, default, unit, minus, map, range)")
            }
        }
        return problems.isEmpty ? .success(rule) : .failure(FormatMappingError(problems: problems))
    }

    private static func plainText(_ node: Node) -> String? {
        guard let scalar = node.scalar, node.tag.rawValue == Tag.Name.str.rawValue || scalar.style != .plain else { return nil }
        return scalar.string
    }

    private static func pathList(_ node: Node) -> [String]? {
        if let single = plainText(node) { return [single] }
        guard let list = node.sequence, !list.isEmpty else { return nil }
        let paths = list.compactMap(plainText)
        return paths.count == list.count ? paths : nil
    }

    private static func scalar(_ node: Node) -> MappingScalar? {
        guard let scalar = node.scalar else { return nil }
        if scalar.style == .plain {
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .bool: return node.bool.map(MappingScalar.bool)
            case .int, .float: return node.float.map(MappingScalar.number)
            case .null: return nil
            default: break
            }
        }
        return .string(scalar.string)
    }
}

/// What is wrong with a format mapping: every problem, each naming the key it is about and what
/// to write instead. `check-config` prints them and exits non-zero.
package struct FormatMappingError: Error, Sendable, Equatable, CustomStringConvertible {
    package var problems: [String]

    package init(problems: [String]) {
        self.problems = problems
    }

    package var description: String { problems.joined(separator: "; ") }
}
