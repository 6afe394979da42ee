import Foundation
import Yams

/// The optional YAML config file (`--config.file`): nested keys flattened to dotted names
/// (`web:` / `listen_address:` → `web.listen_address`), with `${VAR}` expanded from the
/// environment in every value. An unset variable is an error, not an empty string: an empty
/// path or password would fail later and far less clearly.
enum ConfigFile {
    struct LoadError: Error {
        var problems: [String]
    }

    /// The keys whose value may be a mapping rather than a scalar.
    static let formatKey = "calllog.format"
    static let pricingKey = "calllog.pricing"

    struct PricingProblem: Error {
        var message: String
    }

    /// `calllog.pricing: {MODEL: {input: X, output: Y}}` as the flag's `MODEL=X/Y,...` text.
    static func pricing(in text: String) -> Result<String?, PricingProblem> {
        guard let root = try? Yams.compose(yaml: text), let table = root["calllog"]?["pricing"], let entries = table.mapping else {
            return .success(nil)
        }
        var pairs: [String] = []
        for (modelNode, priceNode) in entries {
            let model = modelNode.string ?? ""
            guard let input = priceNode["input"]?.float, let output = priceNode["output"]?.float,
                  priceNode.mapping?.count == 2 else {
                return .failure(PricingProblem(message: "\(model) must be {input: DOLLARS, output: DOLLARS} per million tokens"))
            }
            pairs.append("\(model)=\(input)/\(output)")
        }
        return .success(pairs.joined(separator: ","))
    }

    static func load(path: String, environment: [String: String]) throws(LoadError) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw LoadError(problems: ["cannot read the config file \(path)"])
        }
        let node: Any?
        do {
            node = try Yams.load(yaml: text)
        } catch {
            throw LoadError(problems: ["\(path) is not valid YAML: \(error)"])
        }
        guard let node else { return [:] }
        guard let mapping = node as? [String: Any] else {
            throw LoadError(problems: ["\(path): the top level must be a mapping of settings"])
        }
        var result: [String: String] = [:]
        var problems: [String] = []
        flatten(mapping, prefix: "", into: &result, problems: &problems, path: path)
        for (key, value) in result {
            switch expand(value, environment: environment) {
            case .success(let expanded): result[key] = expanded
            case .failure(let name): problems.append("\(path) key \(key): environment variable \(name) is not set")
            }
        }
        if !problems.isEmpty { throw LoadError(problems: problems.sorted()) }
        // Re-serialised from the document's own node, so key order, quoting and non-string
        // keys (`200: true` in a value map) reach CallLogFormat as written; not expanded.
        if let mapping = formatMapping(in: text) { result[formatKey] = mapping }
        switch pricing(in: text) {
        case let .success(pairs?): result[pricingKey] = pairs
        case .success(nil): break
        case let .failure(problem): throw LoadError(problems: ["\(path) key \(pricingKey): \(problem.message)"])
        }
        return result
    }

    /// The `calllog.format:` table as YAML text, when it is a table rather than a name.
    static func formatMapping(in text: String) -> String? {
        guard let root = try? Yams.compose(yaml: text), let format = root["calllog"]?["format"], format.mapping != nil else {
            return nil
        }
        return try? Yams.serialize(node: format)
    }

    private static func flatten(_ mapping: [String: Any], prefix: String, into result: inout [String: String], problems: inout [String], path: String) {
        for (key, value) in mapping {
            let name = prefix.isEmpty ? key : prefix + "." + key
            if name == formatKey || name == pricingKey, value is [String: Any] || value is [AnyHashable: Any] {
                // A field mapping and a pricing table are trees of their own, whose keys may
                // hold dots (model names): `load` reads them from the document's nodes.
                continue
            }
            switch value {
            case let nested as [String: Any]:
                flatten(nested, prefix: name, into: &result, problems: &problems, path: path)
            case is NSNull:
                // `path:` with nothing after it: an error, not the text "<null>".
                problems.append("\(path) key \(name) has no value (remove the key to use the default)")
            case let list as [Any]:
                result[name] = list.map { "\($0)" }.joined(separator: ",")
            case let scalar:
                result[name] = "\(scalar)"
            }
        }
    }

    static func expand(_ value: String, environment: [String: String]) -> Result<String, MissingVariable> {
        var output = ""
        var rest = Substring(value)
        while let start = rest.range(of: "${") {
            output += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                output += rest[start.lowerBound...]
                return .success(output)
            }
            let name = String(rest[start.upperBound..<end])
            guard let replacement = environment[name] else { return .failure(MissingVariable(name: name)) }
            output += replacement
            rest = rest[rest.index(after: end)...]
        }
        output += rest
        return .success(output)
    }

    struct MissingVariable: Error, CustomStringConvertible {
        var name: String
        var description: String { name }
    }
}
