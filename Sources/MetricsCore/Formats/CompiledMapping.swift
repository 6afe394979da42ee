/// A format mapping compiled once at start into the table the record scanner walks: a tree of
/// path steps rooted at the line's object, in which every path the mapping reads ends in a
/// numbered slot. Scanning a line fills slots; evaluating a record reads them. No line is ever
/// turned into a dictionary.
struct CompiledMapping: Sendable {
    struct Node: Sendable {
        /// Member name bytes → child node, for the members of an object this node stands for.
        var members: [(name: [UInt8], child: Int)] = []
        var anyMember: Int?
        var elements: [(index: Int, child: Int)] = []
        /// `[name=value]` children; all selections on one array use one member name.
        var selectionName: [UInt8]?
        var selections: [(value: [UInt8], child: Int)] = []
        /// `[*]`: each element is a new frame one level down.
        var each: Int?
        /// Slots whose path ends here.
        var captures: [Int] = []
        /// The node's elements are the records of the line (the last `[*]` of `records`).
        var isRecordArray = false

        var isLeaf: Bool {
            members.isEmpty && anyMember == nil && elements.isEmpty && selections.isEmpty && each == nil
        }
    }

    /// A field's rule with its paths replaced by slots.
    struct Rule: Sendable {
        var field: CallLogParser.Field
        var kind: MappedKind
        var slots: SlotList
        var minusSlots: SlotList
        var constant: MappingScalar?
        var fallback: MappingScalar?
        var unit: TimeUnit?
        var map: ValueMap
        var otherwise: MappingScalar?
        var range: ClosedRange<Double>?
    }

    /// Owns the rules' slot lists and value maps.
    let ruleStorage = RuleStorage()
    /// Each rule's paths as written, for messages: `endTime - startTime` (apart from the rules,
    /// which are read for every record and should copy nothing).
    private(set) var ruleSources: [String] = []

    var name: String
    var nodes: [Node] = [Node()]
    /// Frame level of each slot: 0 is the line, `recordLevel` the record.
    var slotLevels: [Int] = []
    var recordLevel = 0
    var requireSlot: Int?
    /// The values of the require path that make a record (empty: any value).
    private(set) var requireValues = ValueMap(keys: nil, lengths: nil, values: nil, count: 0)
    var rules: [Rule] = []
    /// Rules by field, for the required-field and default checks.
    var ruleIndex: [Int?] = Array(repeating: nil, count: CallLogParser.Field.allCases.count)

    var slotCount: Int { slotLevels.count }
    /// The tree and slots as the scanner reads them; built once the tree is complete.
    private(set) var table: ScanTable?
    /// Rule indexes in the order of the contract's fields, which is the order problems are reported in.
    private(set) var evaluationOrder: [Int] = []

    static let requiredFields: [CallLogParser.Field] = [.ts, .agent, .model, .success, .latencyMs]
    static let requiredMask = CallLogParser.FieldValues.requiredMask

    init(_ mapping: FormatMapping) throws(FormatMappingError) {
        name = mapping.name
        var problems: [String] = []
        var recordSteps: [MappingPath.Step] = []
        if let records = mapping.records {
            switch MappingPath.parse(records) {
            case let .success(path):
                if path.fromRoot || path.steps.last != .each {
                    problems.append("records: \(records) must be a path from the line's object whose last step is [*]")
                } else {
                    recordSteps = path.steps
                    recordLevel = path.eachCount
                    let node = insert(path.steps.dropLast(), from: 0)
                    nodes[node].isRecordArray = true
                }
            case let .failure(error):
                problems.append("records: \(error.path) has \(error.problem)")
            }
        }
        func slot(for text: String, in key: String) -> Int? {
            switch MappingPath.parse(text) {
            case let .failure(error):
                problems.append("\(key): the path \(error.path) has \(error.problem)")
                return nil
            case let .success(path):
                var steps = path.steps
                var level = recordLevel
                if path.fromRoot {
                    level = path.eachCount
                    let prefixEnd = steps.lastIndex(of: .each).map { $0 + 1 } ?? 0
                    let recordPrefix = recordSteps.indices.filter { recordSteps[$0] == .each }
                        .dropFirst(max(level - 1, 0)).first.map { $0 + 1 }
                    if level > recordLevel || (level > 0 && Array(steps[..<prefixEnd]) != Array(recordSteps[..<(recordPrefix ?? 0)])) {
                        problems.append("\(key): the path \(text) has a [*] that is not one of records' enclosing elements")
                        return nil
                    }
                } else {
                    if steps.contains(.each) {
                        problems.append("\(key): the path \(text) has [*], which only records may have (use [N] or [name=value])")
                        return nil
                    }
                    steps = recordSteps + steps
                }
                let node = insert(steps[...], from: 0)
                if let conflict = selectionConflict {
                    problems.append("\(key): \(conflict)")
                    selectionConflict = nil
                }
                slotLevels.append(level)
                nodes[node].captures.append(slotLevels.count - 1)
                return slotLevels.count - 1
            }
        }
        if let require = mapping.require {
            requireSlot = slot(for: require, in: "require")
            requireValues = ruleStorage.map(mapping.requireValues.map { (Array($0.utf8), MappingScalar.bool(true)) })
        }
        var mapped: Set<Int> = []
        for (field, rule) in mapping.fields {
            let key = "fields.\(field.key)"
            if !mapped.insert(field.rawValue).inserted {
                problems.append("\(key) is mapped twice")
                continue
            }
            let kind = MappedKind(field)
            problems += Self.check(rule, kind: kind, key: key)
            let slots = rule.paths.compactMap { slot(for: $0, in: key) }
            let minusSlots = rule.minus.compactMap { slot(for: $0, in: key + ".minus") }
            var source = rule.paths.joined(separator: " | ")
            if !rule.minus.isEmpty { source += " - " + rule.minus.joined(separator: " | ") }
            if let constant = rule.constant { source = "const \(constant)" }
            ruleIndex[field.rawValue] = rules.count
            ruleSources.append(source)
            rules.append(Rule(
                field: field, kind: kind, slots: ruleStorage.slots(slots), minusSlots: ruleStorage.slots(minusSlots),
                constant: rule.constant, fallback: rule.fallback, unit: rule.unit,
                map: ruleStorage.map(rule.map.map { (Array($0.key.utf8), $0.value) }),
                otherwise: rule.otherwise, range: rule.range
            ))
        }
        for field in Self.requiredFields where !mapped.contains(field.rawValue) {
            problems.append("fields.\(field.key) is required: give it a path or a const")
        }
        if !problems.isEmpty { throw FormatMappingError(problems: problems) }
        evaluationOrder = ruleIndex.compactMap { $0 }
        table = ScanTable(nodes, slotLevels: slotLevels)
    }

    private var selectionConflict: String?

    /// Problems of a rule that do not depend on its paths.
    private static func check(_ rule: FieldRule, kind: MappedKind, key: String) -> [String] {
        var problems: [String] = []
        if rule.constant != nil, !rule.paths.isEmpty {
            problems.append("\(key) has both path and const: keep one")
        }
        if rule.constant == nil, rule.paths.isEmpty {
            problems.append("\(key) needs a path or a const")
        }
        if !rule.minus.isEmpty, kind != .duration {
            problems.append("\(key).minus: only durations (latency_ms, ttft_ms) are computed from two fields")
        }
        if let unit = rule.unit {
            switch kind {
            case .timestamp: break
            case .duration where unit != .rfc3339 || !rule.minus.isEmpty: break
            case .duration:
                problems.append("\(key).unit: rfc3339 is for timestamps; a duration in RFC 3339 needs minus (end - start)")
            default:
                problems.append("\(key).unit: only timestamps and durations have units, not \(key)")
            }
        }
        if rule.range != nil, kind != .boolean {
            problems.append("\(key).range: only boolean fields (success, fallback, stream, cache_hit) are derived from a range")
        }
        return problems
    }

    /// Adds the steps below `start`, sharing the nodes that exist; the node of the last step.
    private mutating func insert(_ steps: ArraySlice<MappingPath.Step>, from start: Int) -> Int {
        var node = start
        for step in steps {
            node = child(of: node, for: step)
        }
        return node
    }

    private mutating func child(of node: Int, for step: MappingPath.Step) -> Int {
        func make() -> Int {
            nodes.append(Node())
            return nodes.count - 1
        }
        switch step {
        case let .member(name):
            let bytes = Array(name.utf8)
            if let found = nodes[node].members.first(where: { $0.name == bytes }) { return found.child }
            let new = make()
            nodes[node].members.append((bytes, new))
            return new
        case .anyMember:
            if let found = nodes[node].anyMember { return found }
            let new = make()
            nodes[node].anyMember = new
            return new
        case let .element(index):
            if let found = nodes[node].elements.first(where: { $0.index == index }) { return found.child }
            let new = make()
            nodes[node].elements.append((index, new))
            return new
        case .each:
            if let found = nodes[node].each { return found }
            let new = make()
            nodes[node].each = new
            return new
        case let .selection(name, value):
            let nameBytes = Array(name.utf8), valueBytes = Array(value.utf8)
            if let existing = nodes[node].selectionName, existing != nameBytes {
                selectionConflict = "selections on one array must use one member name, not both [\(String(decoding: existing, as: UTF8.self))=...] and [\(name)=...]"
            }
            nodes[node].selectionName = nodes[node].selectionName ?? nameBytes
            if let found = nodes[node].selections.first(where: { $0.value == valueBytes }) { return found.child }
            let new = make()
            nodes[node].selections.append((valueBytes, new))
            return new
        }
    }
}
