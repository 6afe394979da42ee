/// The variable-length parts of the compiled rules (slot lists, value maps) in memory owned by
/// one object and referenced from the rules by plain pointers, so that reading a rule for every
/// field of every record copies no arrays and retains nothing (measured: copying the rules'
/// arrays was about a tenth of a mapped format's parse CPU).
final class RuleStorage: @unchecked Sendable {
    // @unchecked: filled before any rule refers to it, read-only afterwards, freed in deinit.
    private var slotBlocks: [UnsafeMutablePointer<Int32>] = []
    private var byteBlocks: [UnsafeMutablePointer<UInt8>] = []
    private var valueBlocks: [(UnsafeMutablePointer<MappingScalar>, Int)] = []

    func slots(_ values: [Int]) -> SlotList {
        guard !values.isEmpty else { return SlotList(base: nil, count: 0) }
        let block = UnsafeMutablePointer<Int32>.allocate(capacity: values.count)
        block.initialize(from: values.map(Int32.init), count: values.count)
        slotBlocks.append(block)
        return SlotList(base: UnsafePointer(block), count: values.count)
    }

    func map(_ entries: [(key: [UInt8], value: MappingScalar)]) -> ValueMap {
        guard !entries.isEmpty else { return ValueMap(keys: nil, lengths: nil, values: nil, count: 0) }
        let bytes = entries.flatMap(\.key)
        let keys = UnsafeMutablePointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        keys.initialize(from: bytes, count: bytes.count)
        let lengths = UnsafeMutablePointer<Int32>.allocate(capacity: entries.count)
        lengths.initialize(from: entries.map { Int32($0.key.count) }, count: entries.count)
        let values = UnsafeMutablePointer<MappingScalar>.allocate(capacity: entries.count)
        values.initialize(from: entries.map(\.value), count: entries.count)
        byteBlocks.append(keys)
        slotBlocks.append(lengths)
        valueBlocks.append((values, entries.count))
        return ValueMap(keys: UnsafePointer(keys), lengths: UnsafePointer(lengths), values: UnsafePointer(values), count: entries.count)
    }

    deinit {
        for block in slotBlocks { block.deallocate() }
        for block in byteBlocks { block.deallocate() }
        for (block, count) in valueBlocks {
            block.deinitialize(count: count)
            block.deallocate()
        }
    }
}

/// Slot numbers of a rule, in RuleStorage.
struct SlotList: Sequence, @unchecked Sendable {
    let base: UnsafePointer<Int32>?
    let count: Int

    var isEmpty: Bool { count == 0 }

    func makeIterator() -> Iterator { Iterator(base: base, count: count) }

    struct Iterator: IteratorProtocol {
        let base: UnsafePointer<Int32>?
        let count: Int
        var index = 0

        mutating func next() -> Int? {
            guard index < count, let base else { return nil }
            defer { index &+= 1 }
            return Int(base[index])
        }
    }
}

/// A rule's value map, in RuleStorage: key bytes back to back, their lengths, their results.
struct ValueMap: @unchecked Sendable {
    let keys: UnsafePointer<UInt8>?
    let lengths: UnsafePointer<Int32>?
    let values: UnsafePointer<MappingScalar>?
    let count: Int

    var isEmpty: Bool { count == 0 }

    /// The result for the first key `matches` accepts.
    func first(where matches: (UnsafeRawBufferPointer) -> Bool) -> MappingScalar? {
        guard let keys, let lengths, let values else { return nil }
        var offset = 0
        for index in 0..<count {
            let length = Int(lengths[index])
            if matches(UnsafeRawBufferPointer(start: keys + offset, count: length)) { return values[index] }
            offset &+= length
        }
        return nil
    }
}
