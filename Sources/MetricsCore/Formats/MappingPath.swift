/// A path into a call-log record as a mapping writes it (docs/formats.md, "Paths"):
/// `usage.prompt_tokens`, `["gen_ai.request.model"]`, `choices[0]`, `attributes[key=gen_ai.system]`,
/// `value.*`, `resourceSpans[*]`, and `$.` for the line's root instead of the record.
struct MappingPath: Hashable, Sendable, CustomStringConvertible {
    enum Step: Hashable, Sendable {
        /// An object member.
        case member(String)
        /// Whichever member of an object is present (`*`).
        case anyMember
        /// One element of an array (`[3]`).
        case element(Int)
        /// Every element of an array (`[*]`): the records of a line, or their enclosing elements.
        case each
        /// The element of an array of objects whose `name` member is the string `value`
        /// (`[key=gen_ai.request.model]`, OTLP's attribute lists).
        case selection(name: String, value: String)
    }

    var fromRoot: Bool
    var steps: [Step]
    var description: String

    var eachCount: Int { steps.reduce(0) { $0 + ($1 == .each ? 1 : 0) } }

    /// Parses `text`; nil with the reason when it is not a path.
    static func parse(_ text: String) -> Result<MappingPath, PathError> {
        var rest = Substring(text)
        var fromRoot = false
        if rest.hasPrefix("$.") {
            fromRoot = true
            rest = rest.dropFirst(2)
        } else if rest == "$" {
            return .success(MappingPath(fromRoot: true, steps: [], description: text))
        }
        var steps: [Step] = []
        var expectMember = true
        while !rest.isEmpty {
            if rest.first == "[" {
                guard let close = closingBracket(rest) else {
                    return .failure(PathError(path: text, problem: "an unclosed '['"))
                }
                let inside = rest[rest.index(after: rest.startIndex)..<close]
                rest = rest[rest.index(after: close)...]
                if inside == "*" {
                    steps.append(.each)
                } else if let index = Int(inside), index >= 0 {
                    steps.append(.element(index))
                } else if inside.first == "\"", inside.last == "\"", inside.count >= 2 {
                    let name = inside.dropFirst().dropLast()
                    guard !name.isEmpty, !name.contains("\"") else {
                        return .failure(PathError(path: text, problem: "an empty or badly quoted member name"))
                    }
                    steps.append(.member(String(name)))
                } else if let equals = inside.firstIndex(of: "=") {
                    let name = inside[..<equals], value = inside[inside.index(after: equals)...]
                    guard !name.isEmpty else {
                        return .failure(PathError(path: text, problem: "a selection [name=value] without a name"))
                    }
                    steps.append(.selection(name: String(name), value: String(value)))
                } else {
                    return .failure(PathError(path: text, problem: "[\(inside)] is neither [N], [*], [\"name\"] nor [name=value]"))
                }
                expectMember = false
            } else if rest.first == "." {
                guard !steps.isEmpty, !expectMember else {
                    return .failure(PathError(path: text, problem: "an empty step"))
                }
                rest = rest.dropFirst()
                expectMember = true
                if rest.isEmpty { return .failure(PathError(path: text, problem: "a trailing '.'")) }
            } else {
                guard expectMember else {
                    return .failure(PathError(path: text, problem: "a name directly after ']' (write a '.' between steps)"))
                }
                let end = rest.firstIndex { $0 == "." || $0 == "[" } ?? rest.endIndex
                let name = rest[..<end]
                steps.append(name == "*" ? .anyMember : .member(String(name)))
                rest = rest[end...]
                expectMember = false
            }
        }
        guard !steps.isEmpty else {
            return .failure(PathError(path: text, problem: "an empty path"))
        }
        return .success(MappingPath(fromRoot: fromRoot, steps: steps, description: text))
    }

    /// The `]` that closes the `[` at the start, skipping a quoted name (which may hold `]`).
    private static func closingBracket(_ text: Substring) -> Substring.Index? {
        var inQuotes = false
        var index = text.index(after: text.startIndex)
        while index < text.endIndex {
            let character = text[index]
            if character == "\"" { inQuotes.toggle() }
            if character == "]", !inQuotes { return index }
            index = text.index(after: index)
        }
        return nil
    }

    struct PathError: Error, Sendable {
        var path: String
        var problem: String
    }
}
