/// The compiled mapping's tree as the scanner reads it on every line: flat tables of plain
/// integers in memory that never moves or is reference-counted, so that following a member
/// name costs a length check, a byte compare and an index, with no retain or release of the
/// arrays a Swift struct-of-arrays would touch (measured: those were a fifth of the scan's CPU).
final class ScanTable: @unchecked Sendable {
    // @unchecked: written once in init, read-only afterwards, freed in deinit.
    struct NodeEntry {
        var memberStart: Int32 = 0, memberCount: Int32 = 0
        var anyMember: Int32 = -1
        var elementStart: Int32 = 0, elementCount: Int32 = 0
        var selectionNameStart: Int32 = 0, selectionNameLength: Int32 = -1
        var selectionStart: Int32 = 0, selectionCount: Int32 = 0
        var each: Int32 = -1
        var captureStart: Int32 = 0, captureCount: Int32 = 0
        var isRecordArray = false
        var isLeaf = true
    }

    struct MemberEntry {
        var nameStart: Int32
        var nameLength: Int32
        var child: Int32
        var firstByte: UInt8
    }

    struct IndexedEntry {
        /// The element index, or for a selection the start of its value in `bytes`.
        var key: Int32
        var length: Int32
        var child: Int32
    }

    let nodes: UnsafeMutablePointer<NodeEntry>
    let members: UnsafeMutablePointer<MemberEntry>
    let indexed: UnsafeMutablePointer<IndexedEntry>
    let captures: UnsafeMutablePointer<Int32>
    let bytes: UnsafeMutablePointer<UInt8>
    /// Frame level of each slot (CompiledMapping.slotLevels).
    let slotLevels: UnsafeMutablePointer<Int32>

    init(_ tree: [CompiledMapping.Node], slotLevels levels: [Int]) {
        var nodeEntries: [NodeEntry] = []
        var memberEntries: [MemberEntry] = []
        var indexedEntries: [IndexedEntry] = []
        var captureEntries: [Int32] = []
        var arena: [UInt8] = []
        for node in tree {
            var entry = NodeEntry()
            entry.memberStart = Int32(memberEntries.count)
            entry.memberCount = Int32(node.members.count)
            for member in node.members {
                memberEntries.append(MemberEntry(nameStart: Int32(arena.count), nameLength: Int32(member.name.count),
                                                 child: Int32(member.child), firstByte: member.name.first ?? 0))
                arena += member.name
            }
            entry.anyMember = node.anyMember.map(Int32.init) ?? -1
            entry.elementStart = Int32(indexedEntries.count)
            entry.elementCount = Int32(node.elements.count)
            for element in node.elements {
                indexedEntries.append(IndexedEntry(key: Int32(element.index), length: 0, child: Int32(element.child)))
            }
            if let name = node.selectionName {
                entry.selectionNameStart = Int32(arena.count)
                entry.selectionNameLength = Int32(name.count)
                arena += name
            }
            entry.selectionStart = Int32(indexedEntries.count)
            entry.selectionCount = Int32(node.selections.count)
            for selection in node.selections {
                indexedEntries.append(IndexedEntry(key: Int32(arena.count), length: Int32(selection.value.count),
                                                   child: Int32(selection.child)))
                arena += selection.value
            }
            entry.each = node.each.map(Int32.init) ?? -1
            entry.captureStart = Int32(captureEntries.count)
            entry.captureCount = Int32(node.captures.count)
            captureEntries += node.captures.map(Int32.init)
            entry.isRecordArray = node.isRecordArray
            entry.isLeaf = node.isLeaf
            nodeEntries.append(entry)
        }
        func copy<T>(_ array: [T]) -> UnsafeMutablePointer<T> {
            let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(array.count, 1))
            pointer.initialize(from: array, count: array.count)
            return pointer
        }
        nodes = copy(nodeEntries)
        members = copy(memberEntries)
        indexed = copy(indexedEntries)
        captures = copy(captureEntries)
        bytes = copy(arena)
        slotLevels = copy(levels.map(Int32.init))
    }

    deinit {
        nodes.deallocate()
        members.deallocate()
        indexed.deallocate()
        captures.deallocate()
        bytes.deallocate()
        slotLevels.deallocate()
    }
}
