// UTF8Check: UTF-8 well-formedness, for CallLogParser (see CallLogParser.swift).

// MARK: - UTF-8

/// UTF-8 well-formedness by the table of the Unicode standard (chapter 3, table 3-7): no
/// overlong forms, no encoded surrogates, nothing past U+10FFFF.
enum UTF8Check {
    /// The length of the well-formed sequence starting with a non-ASCII byte at `index`, or 0.
    @inline(__always)
    static func sequenceLength(_ base: UnsafeRawPointer, at index: Int, end: Int) -> Int {
        @inline(__always) func byte(_ offset: Int) -> UInt8 {
            base.load(fromByteOffset: index &+ offset, as: UInt8.self)
        }
        @inline(__always) func isContinuation(_ offset: Int) -> Bool {
            byte(offset) & 0xC0 == 0x80
        }
        let lead = byte(0)
        let available = end &- index
        switch lead {
        case 0xC2...0xDF:
            return available >= 2 && isContinuation(1) ? 2 : 0
        case 0xE0...0xEF:
            guard available >= 3 else { return 0 }
            let second = byte(1)
            let low: UInt8 = lead == 0xE0 ? 0xA0 : 0x80
            let high: UInt8 = lead == 0xED ? 0x9F : 0xBF
            return second >= low && second <= high && isContinuation(2) ? 3 : 0
        case 0xF0...0xF4:
            guard available >= 4 else { return 0 }
            let second = byte(1)
            let low: UInt8 = lead == 0xF0 ? 0x90 : 0x80
            let high: UInt8 = lead == 0xF4 ? 0x8F : 0xBF
            return second >= low && second <= high && isContinuation(2) && isContinuation(3) ? 4 : 0
        default:
            return 0
        }
    }

    /// The offset of the first byte that does not start a well-formed sequence, or nil.
    static func firstInvalidByte(_ base: UnsafeRawPointer, count: Int) -> Int? {
        var index = 0
        while index < count {
            if base.load(fromByteOffset: index, as: UInt8.self) < 0x80 {
                index &+= 1
                continue
            }
            let length = sequenceLength(base, at: index, end: count)
            guard length > 0 else { return index }
            index &+= length
        }
        return nil
    }
}
