// CallLogParser.StringToken: a checked JSON string and its unescaping (see CallLogParser.swift).

// MARK: - Tokens

extension CallLogParser {
    /// The bytes between a string's quotes, already checked: valid UTF-8, no raw control
    /// characters, escapes well-formed and surrogates paired.
    struct StringToken {
        var start: Int
        var end: Int
        var escaped: Bool

        /// Decodes the escapes of a checked string into `output`, which must hold
        /// `end - start` bytes (decoding never lengthens); returns the decoded length.
        static func unescape(_ text: StringToken, in base: UnsafeRawPointer, into output: UnsafeMutableRawPointer) -> Int {
            @inline(__always) func byte(_ index: Int) -> UInt8 {
                base.load(fromByteOffset: index, as: UInt8.self)
            }
            var read = text.start
            var written = 0
            @inline(__always) func put(_ value: UInt8) {
                output.storeBytes(of: value, toByteOffset: written, as: UInt8.self)
                written &+= 1
            }
            while read < text.end {
                let current = byte(read)
                guard current == UInt8(ascii: "\\"), read &+ 1 < text.end else {
                    put(current)
                    read &+= 1
                    continue
                }
                let escape = byte(read &+ 1)
                read &+= 2
                switch escape {
                case UInt8(ascii: "b"): put(0x08)
                case UInt8(ascii: "f"): put(0x0C)
                case UInt8(ascii: "n"): put(0x0A)
                case UInt8(ascii: "r"): put(0x0D)
                case UInt8(ascii: "t"): put(0x09)
                case UInt8(ascii: "u"):
                    guard read &+ 4 <= text.end else { return written }
                    var scalar = UInt32(Cursor.hexQuad(base, at: read))
                    read &+= 4
                    if scalar & 0xFC00 == 0xD800, read &+ 6 <= text.end {
                        let low = UInt32(Cursor.hexQuad(base, at: read &+ 2))
                        scalar = 0x10000 &+ ((scalar &- 0xD800) << 10) &+ (low &- 0xDC00)
                        read &+= 6
                    }
                    if scalar < 0x80 {
                        put(UInt8(truncatingIfNeeded: scalar))
                    } else if scalar < 0x800 {
                        put(0xC0 | UInt8(truncatingIfNeeded: scalar >> 6))
                        put(0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F))
                    } else if scalar < 0x10000 {
                        put(0xE0 | UInt8(truncatingIfNeeded: scalar >> 12))
                        put(0x80 | UInt8(truncatingIfNeeded: (scalar >> 6) & 0x3F))
                        put(0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F))
                    } else {
                        put(0xF0 | UInt8(truncatingIfNeeded: scalar >> 18))
                        put(0x80 | UInt8(truncatingIfNeeded: (scalar >> 12) & 0x3F))
                        put(0x80 | UInt8(truncatingIfNeeded: (scalar >> 6) & 0x3F))
                        put(0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F))
                    }
                default:
                    // `"`, `\` and `/` stand for themselves.
                    put(escape)
                }
            }
            return written
        }
    }
}
