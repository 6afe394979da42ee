/// The text of one row, packed in one reusable buffer for zero-copy binding.
struct RowText {
    var bytes: [UInt8] = []

    /// Where a value sits in `bytes`; nil for SQL NULL.
    typealias Slot = Range<Int>?

    init() {
        bytes.reserveCapacity(4096)
    }

    mutating func append(_ value: String?) -> Slot {
        guard var value else { return nil }
        let start = bytes.count
        value.withUTF8 { bytes.append(contentsOf: $0) }
        return start..<bytes.count
    }

    func bind(_ slot: Slot, at index: Int32, of statement: SQLiteStatement, base: UnsafeRawBufferPointer) {
        guard let slot else {
            statement.bindNull(index)
            return
        }
        statement.bindStatic(index, text: UnsafeRawBufferPointer(rebasing: base[slot]))
    }
}
