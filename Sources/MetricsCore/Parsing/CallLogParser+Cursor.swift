// CallLogParser.Cursor: the byte scanner of JSON syntax (see CallLogParser.swift).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Scanning

extension CallLogParser {
    /// A position in the line and, once something is wrong, what and where.
    struct Cursor {
        let base: UnsafeRawPointer
        let end: Int
        var position = 0
        var failureReason = RejectReason.invalidJSON
        var failureMessage: StaticString = ""
        var failureOffset = 0

        init(base: UnsafeRawPointer, end: Int) {
            self.base = base
            self.end = end
        }

        /// The byte at the cursor, or 0 at the end of the line: a NUL is never valid where
        /// `peek` is used, so it doubles as the end marker and saves an optional.
        @inline(__always)
        func peek() -> UInt8 {
            position < end ? base.load(fromByteOffset: position, as: UInt8.self) : 0
        }

        @inline(__always)
        func byte(_ index: Int) -> UInt8 {
            base.load(fromByteOffset: index, as: UInt8.self)
        }

        /// Records a syntax error at the cursor; returns false for `return cursor.fail(...)`.
        mutating func fail(_ message: StaticString, reason: RejectReason = .invalidJSON) -> Bool {
            failureReason = reason
            failureMessage = message
            failureOffset = position
            return false
        }

        func rejection() -> LineRejection {
            let what = failureReason == .invalidUTF8 ? "invalid UTF-8" : "invalid JSON"
            return LineRejection(reason: failureReason, detail: "\(what) at byte \(failureOffset): \(failureMessage)")
        }

        @inline(__always)
        mutating func skipWhitespace() {
            while position < end {
                switch byte(position) {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                    position &+= 1
                default:
                    return
                }
            }
        }

        /// Skips a string, number, `true`, `false` or `null` at the cursor.
        mutating func skipScalar() -> Bool {
            switch peek() {
            case UInt8(ascii: "\""):
                position &+= 1
                return scanString() != nil
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                var number = NumberToken()
                return scanNumber(into: &number)
            case UInt8(ascii: "t"):
                return scanLiteral("true")
            case UInt8(ascii: "f"):
                return scanLiteral("false")
            case UInt8(ascii: "n"):
                return scanLiteral("null")
            default:
                return failAtValue()
            }
        }

        /// The failure for a byte that cannot start a value.
        mutating func failAtValue() -> Bool {
            if position >= end {
                return fail("the line ends where a value should be")
            }
            return fail(peek() >= 0x80 ? "expected a value, found a non-ASCII byte" : "expected a value")
        }

        @inline(__always)
        mutating func scanLiteral(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard end &- position >= count, memcmp(base + position, literal.utf8Start, count) == 0 else {
                return fail("misspelled literal: expected true, false or null")
            }
            position &+= count
            return true
        }

        /// Scans a string whose opening quote is already consumed, leaving the cursor after the
        /// closing quote.
        @inline(__always)
        mutating func scanString() -> StringToken? {
            let start = position
            var escaped = false
            while true {
                // Eight bytes at a time while none is a quote, backslash, control or non-ASCII
                // byte: the common case for every key and value in the log.
                while end &- position >= 8 {
                    let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt64.self))
                    let attention = Self.attentionMask(word)
                    if attention != 0 {
                        position &+= attention.trailingZeroBitCount &>> 3
                        break
                    }
                    position &+= 8
                }
                while position < end {
                    let current = byte(position)
                    if current == UInt8(ascii: "\"") || current == UInt8(ascii: "\\") || current < 0x20 || current >= 0x80 {
                        break
                    }
                    position &+= 1
                }
                guard position < end else {
                    _ = fail("unterminated string")
                    return nil
                }
                let current = byte(position)
                if current == UInt8(ascii: "\"") {
                    let token = StringToken(start: start, end: position, escaped: escaped)
                    position &+= 1
                    return token
                } else if current == UInt8(ascii: "\\") {
                    escaped = true
                    guard scanEscape() else { return nil }
                } else if current < 0x20 {
                    _ = fail("raw control character in a string (must be escaped)")
                    return nil
                } else {
                    let length = UTF8Check.sequenceLength(base, at: position, end: end)
                    guard length > 0 else {
                        _ = fail("byte sequence is not UTF-8", reason: .invalidUTF8)
                        return nil
                    }
                    position &+= length
                }
            }
        }

        /// The high bit of each of the eight bytes (first byte lowest) that is `"`, `\`, below 0x20
        /// or at least 0x80, by the classic has-zero-byte tricks. Borrows can flag bytes above a
        /// true one, never below, so the lowest flag is exact, which is all the caller uses.
        @inline(__always)
        static func attentionMask(_ word: UInt64) -> UInt64 {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            let hasQuote = (quote &- ones) & ~quote
            let hasBackslash = (backslash &- ones) & ~backslash
            let hasControl = (word &- ones &* 0x20) & ~word
            return (hasQuote | hasBackslash | hasControl | word) & highs
        }

        /// At a backslash inside a string: checks the escape and moves past it, pairing a high
        /// surrogate with the low one that must follow.
        mutating func scanEscape() -> Bool {
            guard end &- position >= 2 else {
                return fail("unterminated string")
            }
            switch byte(position &+ 1) {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                 UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                position &+= 2
                return true
            case UInt8(ascii: "u"):
                guard end &- position >= 6 else {
                    return fail("\\u must be followed by four hex digits")
                }
                let unit = Self.hexQuad(base, at: position &+ 2)
                guard unit >= 0 else {
                    return fail("\\u must be followed by four hex digits")
                }
                if unit & 0xFC00 == 0xDC00 {
                    return fail("unpaired low surrogate escape")
                }
                position &+= 6
                guard unit & 0xFC00 == 0xD800 else { return true }
                guard end &- position >= 6, byte(position) == UInt8(ascii: "\\"),
                      byte(position &+ 1) == UInt8(ascii: "u"),
                      Self.hexQuad(base, at: position &+ 2) & 0xFC00 == 0xDC00
                else {
                    return fail("high surrogate escape not followed by a low surrogate escape")
                }
                position &+= 6
                return true
            default:
                return fail("invalid escape in a string")
            }
        }

        /// The value of four hex digits at `index` (the caller checks they are in the line),
        /// or -1.
        @inline(__always)
        static func hexQuad(_ base: UnsafeRawPointer, at index: Int) -> Int32 {
            var value: Int32 = 0
            for offset in 0..<4 {
                let character = base.load(fromByteOffset: index &+ offset, as: UInt8.self)
                let nibble: UInt8
                switch character {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = character &- UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = character &- UInt8(ascii: "a") &+ 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = character &- UInt8(ascii: "A") &+ 10
                default: return -1
                }
                value = value << 4 | Int32(nibble)
            }
            return value
        }

        @inline(__always)
        func isDigit(_ index: Int) -> Bool {
            index < end && byte(index) &- UInt8(ascii: "0") < 10
        }

        /// Scans `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
        @inline(__always)
        mutating func scanNumber(into number: inout NumberToken) -> Bool {
            let start = position
            let negative = peek() == UInt8(ascii: "-")
            if negative { position &+= 1 }
            let integerStart = position
            if peek() == UInt8(ascii: "0") {
                position &+= 1
                if isDigit(position) {
                    return fail("numbers must not have leading zeros")
                }
            } else if isDigit(position) {
                while isDigit(position) { position &+= 1 }
            } else {
                return fail("expected digits in a number")
            }
            let integerEnd = position
            var fractionStart = position
            if peek() == UInt8(ascii: ".") {
                position &+= 1
                fractionStart = position
                while isDigit(position) { position &+= 1 }
                if position == fractionStart {
                    return fail("expected digits after the decimal point")
                }
            }
            let fractionEnd = position
            var exponent = 0
            if peek() | 0x20 == UInt8(ascii: "e") {
                position &+= 1
                let exponentNegative = peek() == UInt8(ascii: "-")
                if exponentNegative || peek() == UInt8(ascii: "+") { position &+= 1 }
                guard isDigit(position) else {
                    return fail("expected digits in the exponent")
                }
                while isDigit(position) {
                    if exponent < NumberToken.exponentLimit {
                        exponent = exponent &* 10 &+ Int(byte(position) &- UInt8(ascii: "0"))
                    }
                    position &+= 1
                }
                if exponentNegative { exponent = -exponent }
            }
            number = NumberToken(
                start: start, end: position, negative: negative,
                integerStart: integerStart, integerEnd: integerEnd,
                fractionStart: fractionStart, fractionEnd: fractionEnd, exponent: exponent
            )
            return true
        }

        /// Validates and skips an object or array (the value of an unknown key) without
        /// recursion: the open containers are a bit stack in one word, 1 for an object.
        @inline(never)
        mutating func skipContainer() -> Bool {
            // The line's own object is level 1.
            var depth = 1
            var openObjects: UInt64 = 0
            var opened = 0
            while true {
                // At a value.
                let current = peek()
                if current == UInt8(ascii: "{") || current == UInt8(ascii: "[") {
                    guard depth < CallLogParser.maximumNestingDepth else {
                        return fail("nesting deeper than 64 levels")
                    }
                    depth &+= 1
                    opened &+= 1
                    let isObject = current == UInt8(ascii: "{")
                    openObjects = openObjects << 1 | (isObject ? 1 : 0)
                    position &+= 1
                    skipWhitespace()
                    if peek() == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                        position &+= 1
                        depth &-= 1
                        opened &-= 1
                        openObjects >>= 1
                    } else {
                        if isObject, !scanMemberKey() { return false }
                        continue
                    }
                } else {
                    guard skipScalar() else { return false }
                }
                // After a value: close containers or move to the next element.
                while true {
                    guard opened > 0 else { return true }
                    skipWhitespace()
                    let isObject = openObjects & 1 == 1
                    let next = peek()
                    if next == UInt8(ascii: ",") {
                        position &+= 1
                        skipWhitespace()
                        if isObject, !scanMemberKey() { return false }
                        break
                    } else if next == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                        position &+= 1
                        depth &-= 1
                        opened &-= 1
                        openObjects >>= 1
                    } else {
                        return fail(isObject ? "expected ',' or '}' in an object" : "expected ',' or ']' in an array")
                    }
                }
            }
        }

        /// `"key" :` inside a skipped object, leaving the cursor at the value.
        mutating func scanMemberKey() -> Bool {
            guard peek() == UInt8(ascii: "\"") else {
                return fail("expected a string key")
            }
            position &+= 1
            guard scanString() != nil else { return false }
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else {
                return fail("expected ':' after an object key")
            }
            position &+= 1
            skipWhitespace()
            return true
        }
    }
}
