// The single pass over a line of a mapped format: walks the JSON with CallLogParser's cursor,
// follows the compiled mapping's tree, and fills the slots of each frame (the line, each element
// of a `[*]`, each record). Written by hand for the same reason as CallLogParser: it is the hot
// path of ingest, and no JSON package scans without building a tree of the whole line.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What a slot holds after a scan: where a value is in the line, and its kind.
struct Capture: Sendable {
    enum Kind: UInt8, Sendable {
        case absent, string, number, yes, no, null, container
    }

    var kind = Kind.absent
    /// A string's contents (without quotes), or the whole text of any other value.
    var start = 0
    var end = 0
    var escaped = false
}

/// A frame is the line itself or one element of a `[*]` array; a record frame is one record.
struct Frame: Sendable {
    var parent: Int
    var level: Int
}

// @unchecked: the pointers are into the ScanTable it holds, which is immutable and Sendable.
struct MappedLineScanner: @unchecked Sendable {
    let mapping: CompiledMapping
    /// Keeps the table's memory alive; the pointers below are read on every line.
    private let table: ScanTable
    private let nodes: UnsafeMutablePointer<ScanTable.NodeEntry>
    private let members: UnsafeMutablePointer<ScanTable.MemberEntry>
    private let indexed: UnsafeMutablePointer<ScanTable.IndexedEntry>
    private let slotsOfNode: UnsafeMutablePointer<Int32>
    private let names: UnsafeMutablePointer<UInt8>
    private let slotLevels: UnsafeMutablePointer<Int32>
    private let slotCount: Int
    /// `frames.count * slotCount` captures, frame by frame; kept across lines.
    var captures: [Capture] = []
    var frames: [Frame] = []
    /// The record frames of the line, in order.
    var records: [Int] = []

    /// Prices records the mapping found no cost for.
    let pricing: ModelPricing
    /// Agent, model, variant and the other repeating strings: a hit costs a compare, not an allocation.
    var interner = StringInterner()

    init(mapping: CompiledMapping, pricing: ModelPricing = ModelPricing()) {
        self.mapping = mapping
        self.pricing = pricing
        table = mapping.table ?? ScanTable([CompiledMapping.Node()], slotLevels: [])
        nodes = table.nodes
        members = table.members
        indexed = table.indexed
        slotsOfNode = table.captures
        names = table.bytes
        slotLevels = table.slotLevels
        slotCount = mapping.slotCount
    }

    /// Scans one line; false with the cursor's failure set when it is not exactly one JSON
    /// object (then no record of it is used).
    mutating func scan(_ cursor: inout CallLogParser.Cursor) -> Bool {
        captures.removeAll(keepingCapacity: true)
        frames.removeAll(keepingCapacity: true)
        records.removeAll(keepingCapacity: true)
        newFrame(parent: -1, level: 0)
        if mapping.recordLevel == 0 { records.append(0) }
        cursor.skipWhitespace()
        guard cursor.peek() == UInt8(ascii: "{") else {
            return cursor.fail("the line is not a JSON object")
        }
        guard scanValue(&cursor, node: 0, frame: 0, depth: 1) else { return false }
        cursor.skipWhitespace()
        guard cursor.position == cursor.end else {
            return cursor.fail("unexpected data after the object")
        }
        return true
    }

    /// The capture of `slot` for the record frame `record`, from the record's own frame or the
    /// enclosing frame of the slot's level.
    func capture(_ slot: Int, record: Int) -> Capture {
        var frame = record
        let level = Int(slotLevels[slot])
        while frames[frame].level > level {
            frame = frames[frame].parent
        }
        return captures[frame &* slotCount &+ slot]
    }

    private mutating func newFrame(parent: Int, level: Int) {
        frames.append(Frame(parent: parent, level: level))
        captures.append(contentsOf: repeatElement(Capture(), count: slotCount))
    }

    private mutating func record(_ capture: Capture, at node: Int, frame: Int) {
        let entry = nodes + node
        var index = Int(entry.pointee.captureStart)
        let end = index &+ Int(entry.pointee.captureCount)
        while index < end {
            captures[frame &* slotCount &+ Int(slotsOfNode[index])] = capture
            index &+= 1
        }
    }

    /// Scans the value at the cursor. With a node, captures it and descends into the node's
    /// children; `depth` counts the containers open around the value.
    private mutating func scanValue(_ cursor: inout CallLogParser.Cursor, node: Int, frame: Int, depth: Int) -> Bool {
        let start = cursor.position
        let current = cursor.peek()
        var capture = Capture(start: start)
        switch current {
        case UInt8(ascii: "\""):
            cursor.position &+= 1
            guard let text = cursor.scanString() else { return false }
            capture.kind = .string
            capture.start = text.start
            capture.end = text.end
            capture.escaped = text.escaped
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            var number = CallLogParser.NumberToken()
            guard cursor.scanNumber(into: &number) else { return false }
            capture.kind = .number
        case UInt8(ascii: "t"):
            guard cursor.scanLiteral("true") else { return false }
            capture.kind = .yes
        case UInt8(ascii: "f"):
            guard cursor.scanLiteral("false") else { return false }
            capture.kind = .no
        case UInt8(ascii: "n"):
            guard cursor.scanLiteral("null") else { return false }
            capture.kind = .null
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            capture.kind = .container
            if nodes[node].isLeaf || depth >= CallLogParser.maximumNestingDepth {
                guard cursor.skipContainer() else { return false }
            } else if current == UInt8(ascii: "{") {
                guard scanObject(&cursor, node: node, frame: frame, depth: depth) else { return false }
            } else {
                guard scanArray(&cursor, node: node, frame: frame, depth: depth) else { return false }
            }
        default:
            return cursor.failAtValue()
        }
        capture.end = capture.kind == .string ? capture.end : cursor.position
        if nodes[node].captureCount != 0 {
            record(capture, at: node, frame: frame)
        }
        return true
    }

    /// Skips the value at the cursor (a member or element the mapping does not read).
    private func skipValue(_ cursor: inout CallLogParser.Cursor) -> Bool {
        let current = cursor.peek()
        if current == UInt8(ascii: "{") || current == UInt8(ascii: "[") {
            return cursor.skipContainer()
        }
        return cursor.skipScalar()
    }

    private mutating func scanObject(_ cursor: inout CallLogParser.Cursor, node: Int, frame: Int, depth: Int) -> Bool {
        cursor.position &+= 1
        cursor.skipWhitespace()
        if cursor.peek() == UInt8(ascii: "}") {
            cursor.position &+= 1
            return true
        }
        while true {
            guard cursor.peek() == UInt8(ascii: "\"") else {
                return cursor.fail("expected a string key")
            }
            cursor.position &+= 1
            guard let key = cursor.scanString() else { return false }
            let child = memberChild(of: node, key: key, base: cursor.base)
            cursor.skipWhitespace()
            guard cursor.peek() == UInt8(ascii: ":") else {
                return cursor.fail("expected ':' after an object key")
            }
            cursor.position &+= 1
            cursor.skipWhitespace()
            if let child {
                guard scanValue(&cursor, node: child, frame: frame, depth: depth &+ 1) else { return false }
            } else {
                guard skipValue(&cursor) else { return false }
            }
            cursor.skipWhitespace()
            let next = cursor.peek()
            cursor.position &+= 1
            if next == UInt8(ascii: ",") {
                cursor.skipWhitespace()
            } else if next == UInt8(ascii: "}") {
                return true
            } else {
                cursor.position &-= 1
                return cursor.fail("expected ',' or '}' after an object member")
            }
        }
    }

    private mutating func scanArray(_ cursor: inout CallLogParser.Cursor, node: Int, frame: Int, depth: Int) -> Bool {
        cursor.position &+= 1
        cursor.skipWhitespace()
        if cursor.peek() == UInt8(ascii: "]") {
            cursor.position &+= 1
            return true
        }
        let shape = nodes + node
        var index = 0
        while true {
            var child: Int? = nil
            var probe = Int(shape.pointee.elementStart)
            while probe < Int(shape.pointee.elementStart) &+ Int(shape.pointee.elementCount) {
                if Int(indexed[probe].key) == index { child = Int(indexed[probe].child); break }
                probe &+= 1
            }
            var elementFrame = frame
            if child == nil, shape.pointee.each >= 0 {
                child = Int(shape.pointee.each)
                newFrame(parent: frame, level: frames[frame].level &+ 1)
                elementFrame = frames.count &- 1
                if shape.pointee.isRecordArray { records.append(elementFrame) }
            }
            if child == nil, shape.pointee.selectionNameLength >= 0, cursor.peek() == UInt8(ascii: "{") {
                // The discriminator (OTLP's "key") may come after the members it selects, so
                // find it first on a copy of the cursor, then scan the element for real.
                var lookahead = cursor
                let name = UnsafeRawBufferPointer(start: names + Int(shape.pointee.selectionNameStart), count: Int(shape.pointee.selectionNameLength))
                if let value = Self.memberString(&lookahead, named: name) {
                    var selection = Int(shape.pointee.selectionStart)
                    while selection < Int(shape.pointee.selectionStart) &+ Int(shape.pointee.selectionCount) {
                        let entry = indexed[selection]
                        let expected = UnsafeRawBufferPointer(start: names + Int(entry.key), count: Int(entry.length))
                        if Self.equals(value, expected, base: cursor.base) { child = Int(entry.child); break }
                        selection &+= 1
                    }
                }
            }
            if let child {
                guard scanValue(&cursor, node: child, frame: elementFrame, depth: depth &+ 1) else { return false }
            } else {
                guard skipValue(&cursor) else { return false }
            }
            index &+= 1
            cursor.skipWhitespace()
            let next = cursor.peek()
            cursor.position &+= 1
            if next == UInt8(ascii: ",") {
                cursor.skipWhitespace()
            } else if next == UInt8(ascii: "]") {
                return true
            } else {
                cursor.position &-= 1
                return cursor.fail("expected ',' or ']' in an array")
            }
        }
    }

    private func memberChild(of node: Int, key: CallLogParser.StringToken, base: UnsafeRawPointer) -> Int? {
        let shape = nodes + node
        let length = key.end &- key.start
        if !key.escaped {
            let first = length > 0 ? base.load(fromByteOffset: key.start, as: UInt8.self) : 0
            var index = Int(shape.pointee.memberStart)
            let end = index &+ Int(shape.pointee.memberCount)
            while index < end {
                let member = members[index]
                if Int(member.nameLength) == length, member.firstByte == first,
                   length == 0 || memcmp(base + key.start, names + Int(member.nameStart), length) == 0 {
                    return Int(member.child)
                }
                index &+= 1
            }
        } else {
            var index = Int(shape.pointee.memberStart)
            while index < Int(shape.pointee.memberStart) &+ Int(shape.pointee.memberCount) {
                let member = members[index]
                let name = UnsafeRawBufferPointer(start: names + Int(member.nameStart), count: Int(member.nameLength))
                if Self.equals(key, name, base: base) { return Int(member.child) }
                index &+= 1
            }
        }
        return shape.pointee.anyMember >= 0 ? Int(shape.pointee.anyMember) : nil
    }

    /// The string value of member `name` of the object at the cursor, or nil (absent, not a
    /// string, or a syntax error, which the real scan then reports).
    private static func memberString(_ cursor: inout CallLogParser.Cursor, named name: UnsafeRawBufferPointer) -> CallLogParser.StringToken? {
        cursor.position &+= 1
        cursor.skipWhitespace()
        while cursor.peek() == UInt8(ascii: "\"") {
            cursor.position &+= 1
            guard let key = cursor.scanString() else { return nil }
            cursor.skipWhitespace()
            guard cursor.peek() == UInt8(ascii: ":") else { return nil }
            cursor.position &+= 1
            cursor.skipWhitespace()
            if equals(key, name, base: cursor.base), cursor.peek() == UInt8(ascii: "\"") {
                cursor.position &+= 1
                return cursor.scanString()
            }
            let current = cursor.peek()
            let skipped = current == UInt8(ascii: "{") || current == UInt8(ascii: "[") ? cursor.skipContainer() : cursor.skipScalar()
            guard skipped else { return nil }
            cursor.skipWhitespace()
            guard cursor.peek() == UInt8(ascii: ",") else { return nil }
            cursor.position &+= 1
            cursor.skipWhitespace()
        }
        return nil
    }

    /// Whether the string token (escapes decoded) is exactly `bytes`.
    static func equals(_ token: CallLogParser.StringToken, _ bytes: [UInt8], base: UnsafeRawPointer) -> Bool {
        bytes.withUnsafeBytes { equals(token, $0, base: base) }
    }

    static func equals(_ token: CallLogParser.StringToken, _ bytes: UnsafeRawBufferPointer, base: UnsafeRawPointer) -> Bool {
        let length = token.end &- token.start
        if !token.escaped {
            guard length == bytes.count else { return false }
            return length == 0 || memcmp(base + token.start, bytes.baseAddress!, length) == 0
        }
        return withUnsafeTemporaryAllocation(byteCount: max(length, 1), alignment: 1) { buffer in
            guard let scratch = buffer.baseAddress else { return false }
            let decoded = CallLogParser.StringToken.unescape(token, in: base, into: scratch)
            guard decoded == bytes.count else { return false }
            return decoded == 0 || memcmp(scratch, bytes.baseAddress!, decoded) == 0
        }
    }
}
