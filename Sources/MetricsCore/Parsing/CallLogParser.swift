#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns one line of the gateway's call log (without its newline) into a ``CallRecord``.
///
/// A hand-written single pass over the bytes: this is the hot path of ingest, so there is no
/// Foundation, no intermediate JSON tree and no allocation for an accepted line beyond the
/// strings of the record. The line must be exactly one JSON object (RFC 8259, strict) followed
/// only by whitespace; the fields and their types are the input contract in the README.
///
/// When a line has several problems the reason reported is the first that applies of:
/// 1. `invalid_utf8` — any byte sequence of the line is not UTF-8, wherever it is;
/// 2. `invalid_json` — the first syntax error, which stops the scan;
/// 3. `wrong_type`, `invalid_value`, `invalid_timestamp` — the first problem field in the order
///    of the contract table (`ts`, `request_id`, `agent`, `model`, `variant`, `success`,
///    `fallback`, `fallback_model`, `error`, `latency_ms`, `cost_usd`, `input_tokens`,
///    `output_tokens`), whatever the order of the keys in the line; within one field a type
///    problem is reported before a value problem (`-1.5` tokens is `wrong_type`);
/// 4. `missing_field` — naming every absent required field.
///
/// Decisions the contract leaves open: a duplicate key replaces the earlier value, problems
/// included (as in Foundation); a known key spelled with escapes (`"\u0061gent"`) is that key;
/// `-0` is stored as `+0`; a string field may hold `\u0000`; `variant` and `fallback_model` may
/// be the empty string (only `agent` and `model` must not be); a UTF-8 byte order mark is not
/// whitespace. Unknown keys are validated as JSON and skipped, up to 64 levels of nesting
/// counting the line's own object.
///
/// The parser is `mutating` because it interns the strings that repeat on every line (agent,
/// model, variant, fallback model, error): a hit costs a hash and a compare instead of a heap
/// allocation. The cache has a fixed number of slots and a length limit, so hostile input can
/// only make it miss, never grow.
public struct CallLogParser: Sendable {
    /// The line's object is level 1; a container inside an unknown key's value at level 65 is
    /// refused. The scanner keeps its open containers in one 64-bit word, so this is also the
    /// most it can track without allocating.
    static let maximumNestingDepth = 64

    private var interner = StringInterner()

    public init() {}

    public mutating func parse(_ line: [UInt8]) -> Result<CallRecord, LineRejection> {
        line.withUnsafeBytes { parse($0) }
    }

    public mutating func parse(_ line: UnsafeRawBufferPointer) -> Result<CallRecord, LineRejection> {
        guard let base = line.baseAddress, !line.isEmpty else {
            return .failure(LineRejection(reason: .emptyLine, detail: "the line is empty"))
        }
        var cursor = Cursor(base: base, end: line.count)
        cursor.skipWhitespace()
        if cursor.position == cursor.end {
            return .failure(LineRejection(reason: .emptyLine, detail: "the line holds only whitespace"))
        }
        var fields = FieldValues()
        guard scanObject(&cursor, into: &fields) else {
            if cursor.failureReason != .invalidUTF8,
               let offset = UTF8Check.firstInvalidByte(base, count: line.count) {
                return .failure(LineRejection(reason: .invalidUTF8, detail: "invalid UTF-8 at byte \(offset)"))
            }
            return .failure(cursor.rejection())
        }
        if fields.failed != 0 {
            return .failure(fields.firstProblem(base))
        }
        guard fields.present & FieldValues.requiredMask == FieldValues.requiredMask else {
            return .failure(fields.missingFields())
        }
        return .success(CallRecord(
            timestamp: fields.timestamp, requestID: fields.requestID, agent: fields.agent,
            model: fields.model, variant: fields.variant ?? "baseline", success: fields.success,
            fallback: fields.fallback, fallbackModel: fields.fallbackModel, error: fields.error,
            latencyMs: fields.latencyMs, costUSD: fields.costUSD,
            inputTokens: fields.inputTokens, outputTokens: fields.outputTokens
        ))
    }

    // MARK: - The line's object

    /// Scans `{ "key": value, ... }` and trailing whitespace; false with `cursor`'s failure set
    /// at the first syntax or UTF-8 error. Field problems go to `fields` and do not stop the scan,
    /// so that a later syntax error still takes precedence.
    private mutating func scanObject(_ cursor: inout Cursor, into fields: inout FieldValues) -> Bool {
        guard cursor.peek() == UInt8(ascii: "{") else {
            return cursor.fail("the line is not a JSON object")
        }
        cursor.position &+= 1
        cursor.skipWhitespace()
        if cursor.peek() == UInt8(ascii: "}") {
            cursor.position &+= 1
        } else {
            while true {
                guard cursor.peek() == UInt8(ascii: "\"") else {
                    return cursor.fail("expected a string key")
                }
                cursor.position &+= 1
                guard let key = cursor.scanString() else { return false }
                let field = key.escaped
                    ? Field.matching(escapedKey: key, in: cursor.base)
                    : Field.matching(cursor.base + key.start, count: key.end &- key.start)
                cursor.skipWhitespace()
                guard cursor.peek() == UInt8(ascii: ":") else {
                    return cursor.fail("expected ':' after an object key")
                }
                cursor.position &+= 1
                cursor.skipWhitespace()
                // Each kind of value goes straight to the field's handler: no intermediate token
                // enum, which the compiler would pass through memory.
                switch cursor.peek() {
                case UInt8(ascii: "\""):
                    cursor.position &+= 1
                    guard let text = cursor.scanString() else { return false }
                    if let field { apply(string: text, to: field, in: &fields, base: cursor.base) }
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    var number = NumberToken()
                    guard cursor.scanNumber(into: &number) else { return false }
                    if let field { fields.apply(number: number, to: field, base: cursor.base) }
                case UInt8(ascii: "t"):
                    guard cursor.scanLiteral("true") else { return false }
                    if let field { fields.apply(bool: true, to: field) }
                case UInt8(ascii: "f"):
                    guard cursor.scanLiteral("false") else { return false }
                    if let field { fields.apply(bool: false, to: field) }
                case UInt8(ascii: "n"):
                    guard cursor.scanLiteral("null") else { return false }
                    if let field { fields.applyNull(to: field) }
                case UInt8(ascii: "{"):
                    guard cursor.skipContainer() else { return false }
                    if let field { fields.reject(field, .wrongType(.object)) }
                case UInt8(ascii: "["):
                    guard cursor.skipContainer() else { return false }
                    if let field { fields.reject(field, .wrongType(.array)) }
                default:
                    return cursor.failAtValue()
                }
                cursor.skipWhitespace()
                let next = cursor.peek()
                cursor.position &+= 1
                if next == UInt8(ascii: ",") {
                    cursor.skipWhitespace()
                } else if next == UInt8(ascii: "}") {
                    break
                } else {
                    cursor.position &-= 1
                    return cursor.fail("expected ',' or '}' after an object member")
                }
            }
        }
        cursor.skipWhitespace()
        guard cursor.position == cursor.end else {
            return cursor.fail("unexpected data after the object")
        }
        return true
    }

    // MARK: - Fields

    private mutating func apply(string text: StringToken, to field: Field, in fields: inout FieldValues, base: UnsafeRawPointer) {
        switch field {
        case .ts:
            if let seconds = timestamp(text, base: base) {
                fields.timestamp = seconds
                fields.accept(.ts)
            } else {
                fields.reject(.ts, .notTimestamp, start: text.start &- 1, end: text.end &+ 1)
            }
        case .agent, .model:
            guard text.end > text.start else {
                return fields.reject(field, .empty)
            }
            let string = makeString(text, base: base, interned: true)
            if field == .agent { fields.agent = string } else { fields.model = string }
            fields.accept(field)
        case .requestID:
            fields.requestID = makeString(text, base: base, interned: false)
            fields.accept(field)
        case .variant:
            fields.variant = makeString(text, base: base, interned: true)
            fields.accept(field)
        case .fallbackModel:
            fields.fallbackModel = makeString(text, base: base, interned: true)
            fields.accept(field)
        case .error:
            fields.error = makeString(text, base: base, interned: true)
            fields.accept(field)
        case .success, .fallback, .latencyMs, .costUSD, .inputTokens, .outputTokens:
            fields.reject(field, .wrongType(.string))
        }
    }

    private func timestamp(_ text: StringToken, base: UnsafeRawPointer) -> Double? {
        let length = text.end &- text.start
        guard text.escaped else {
            return RFC3339Timestamp.parse(base + text.start, count: length)
        }
        return withUnsafeTemporaryAllocation(byteCount: length, alignment: 1) { buffer in
            guard let scratch = buffer.baseAddress else { return nil }
            let decoded = StringToken.unescape(text, in: base, into: scratch)
            return RFC3339Timestamp.parse(UnsafeRawPointer(scratch), count: decoded)
        }
    }

    private mutating func makeString(_ text: StringToken, base: UnsafeRawPointer, interned: Bool) -> String {
        let length = text.end &- text.start
        guard text.escaped else {
            let bytes = UnsafeRawBufferPointer(start: base + text.start, count: length)
            return interned ? interner.string(bytes) : StringInterner.makeString(bytes)
        }
        return withUnsafeTemporaryAllocation(byteCount: length, alignment: 1) { buffer in
            guard let scratch = buffer.baseAddress else { return "" }
            let decoded = StringToken.unescape(text, in: base, into: scratch)
            let bytes = UnsafeRawBufferPointer(start: scratch, count: decoded)
            return interned ? interner.string(bytes) : StringInterner.makeString(bytes)
        }
    }
}

// MARK: - Field table

extension CallLogParser {
    /// The contract's fields in the order of its table, which is also the order in which
    /// problems are reported.
    enum Field: Int, CaseIterable {
        case ts, requestID, agent, model, variant, success, fallback, fallbackModel, error
        case latencyMs, costUSD, inputTokens, outputTokens

        var key: String {
            switch self {
            case .ts: "ts"
            case .requestID: "request_id"
            case .agent: "agent"
            case .model: "model"
            case .variant: "variant"
            case .success: "success"
            case .fallback: "fallback"
            case .fallbackModel: "fallback_model"
            case .error: "error"
            case .latencyMs: "latency_ms"
            case .costUSD: "cost_usd"
            case .inputTokens: "input_tokens"
            case .outputTokens: "output_tokens"
            }
        }

        /// What the field holds, for "must be ..., got ..." messages.
        var expectation: String {
            switch self {
            case .ts: "an RFC 3339 string or a number"
            case .requestID, .variant, .fallbackModel: "a string"
            case .error: "a string or null"
            case .agent, .model: "a non-empty string"
            case .success, .fallback: "a boolean"
            case .latencyMs, .costUSD: "a number"
            case .inputTokens, .outputTokens: "an integer"
            }
        }

        @inline(__always)
        var bit: UInt16 { 1 << UInt16(rawValue) }

        /// The field a key without escapes names, by length and then bytes.
        @inline(__always)
        static func matching(_ key: UnsafeRawPointer, count: Int) -> Field? {
            @inline(__always) func equals(_ name: StaticString) -> Bool {
                memcmp(key, name.utf8Start, count) == 0
            }
            switch count {
            case 2: return equals("ts") ? .ts : nil
            case 5:
                switch key.load(as: UInt8.self) {
                case UInt8(ascii: "a"): return equals("agent") ? .agent : nil
                case UInt8(ascii: "m"): return equals("model") ? .model : nil
                case UInt8(ascii: "e"): return equals("error") ? .error : nil
                default: return nil
                }
            case 7:
                switch key.load(as: UInt8.self) {
                case UInt8(ascii: "v"): return equals("variant") ? .variant : nil
                case UInt8(ascii: "s"): return equals("success") ? .success : nil
                default: return nil
                }
            case 8:
                switch key.load(as: UInt8.self) {
                case UInt8(ascii: "f"): return equals("fallback") ? .fallback : nil
                case UInt8(ascii: "c"): return equals("cost_usd") ? .costUSD : nil
                default: return nil
                }
            case 10:
                switch key.load(as: UInt8.self) {
                case UInt8(ascii: "r"): return equals("request_id") ? .requestID : nil
                case UInt8(ascii: "l"): return equals("latency_ms") ? .latencyMs : nil
                default: return nil
                }
            case 12: return equals("input_tokens") ? .inputTokens : nil
            case 13: return equals("output_tokens") ? .outputTokens : nil
            case 14: return equals("fallback_model") ? .fallbackModel : nil
            default: return nil
            }
        }

        /// A key written with escapes names a field if its decoded text does.
        static func matching(escapedKey key: StringToken, in base: UnsafeRawPointer) -> Field? {
            withUnsafeTemporaryAllocation(byteCount: key.end &- key.start, alignment: 1) { buffer in
                guard let scratch = buffer.baseAddress else { return nil }
                let decoded = StringToken.unescape(key, in: base, into: scratch)
                return matching(UnsafeRawPointer(scratch), count: decoded)
            }
        }
    }

    /// What is wrong with a field's value; the reason follows from the case.
    enum Problem {
        case wrongType(JSONKind)
        case notInteger
        case negative
        case nonFinite
        case outOfRange
        case empty
        case notTimestamp
    }

    struct FieldProblem {
        var problem: Problem
        /// The offending value in the line, quoted in the message when set.
        var start: Int
        var end: Int
    }

    /// The values seen so far, which fields were given, and which were given badly.
    struct FieldValues {
        static let requiredMask: UInt16 = Field.ts.bit | Field.agent.bit | Field.model.bit
            | Field.success.bit | Field.latencyMs.bit

        var timestamp = 0.0
        var requestID: String?
        var agent = ""
        var model = ""
        var variant: String?
        var success = false
        var fallback = false
        var fallbackModel: String?
        var error: String?
        var latencyMs = 0.0
        var costUSD = 0.0
        var inputTokens: Int64?
        var outputTokens: Int64?

        var present: UInt16 = 0
        var failed: UInt16 = 0
        /// Indexed by field; allocated on the first problem only, so accepted lines never pay.
        var problems: [FieldProblem?] = []

        @inline(__always)
        mutating func accept(_ field: Field) {
            present |= field.bit
            failed &= ~field.bit
        }

        mutating func reject(_ field: Field, _ problem: Problem, start: Int = 0, end: Int = 0) {
            if problems.isEmpty {
                problems = Array(repeating: nil, count: Field.allCases.count)
            }
            problems[field.rawValue] = FieldProblem(problem: problem, start: start, end: end)
            present &= ~field.bit
            failed |= field.bit
        }

        mutating func apply(number: NumberToken, to field: Field, base: UnsafeRawPointer) {
            switch field {
            case .ts:
                guard let value = checkedDouble(number, for: field, base: base) else { return }
                timestamp = value
            case .latencyMs:
                guard let value = checkedDouble(number, for: field, base: base) else { return }
                latencyMs = value
            case .costUSD:
                guard let value = checkedDouble(number, for: field, base: base) else { return }
                costUSD = value
            case .inputTokens, .outputTokens:
                let count: Int64
                switch number.integerMagnitude(base) {
                case .notIntegral:
                    return reject(field, .notInteger, start: number.start, end: number.end)
                case .outOfRange:
                    return reject(field, .outOfRange, start: number.start, end: number.end)
                case let .magnitude(magnitude):
                    if number.negative, magnitude != 0 {
                        return reject(field, .negative, start: number.start, end: number.end)
                    }
                    count = magnitude
                }
                if field == .inputTokens { inputTokens = count } else { outputTokens = count }
            case .requestID, .agent, .model, .variant, .success, .fallback, .fallbackModel, .error:
                return reject(field, .wrongType(.number))
            }
            accept(field)
        }

        mutating func apply(bool value: Bool, to field: Field) {
            switch field {
            case .success: success = value
            case .fallback: fallback = value
            default: return reject(field, .wrongType(.boolean))
            }
            accept(field)
        }

        /// `null` means absent for an optional field and is a type error for a required one.
        mutating func applyNull(to field: Field) {
            switch field {
            case .requestID: requestID = nil
            case .variant: variant = nil
            case .fallback: fallback = false
            case .fallbackModel: fallbackModel = nil
            case .error: error = nil
            case .costUSD: costUSD = 0
            case .inputTokens: inputTokens = nil
            case .outputTokens: outputTokens = nil
            case .ts, .agent, .model, .success, .latencyMs:
                return reject(field, .wrongType(.null))
            }
            accept(field)
        }

        /// A finite, non-negative double for `field`, or nil with the problem recorded.
        /// `-0` becomes `+0` so that stored values never print as `-0`.
        @inline(__always)
        mutating func checkedDouble(_ number: NumberToken, for field: Field, base: UnsafeRawPointer) -> Double? {
            let value = number.doubleValue(base)
            guard value.isFinite else {
                reject(field, .nonFinite, start: number.start, end: number.end)
                return nil
            }
            guard value >= 0 else {
                reject(field, .negative, start: number.start, end: number.end)
                return nil
            }
            return value + 0
        }

        func firstProblem(_ base: UnsafeRawPointer) -> LineRejection {
            let index = failed.trailingZeroBitCount
            guard let field = Field(rawValue: index), index < problems.count, let found = problems[index] else {
                return LineRejection(reason: .wrongType, detail: "a field has an invalid value")
            }
            let name = "field \"\(field.key)\""
            let value = Self.excerpt(base, start: found.start, end: found.end)
            switch found.problem {
            case let .wrongType(kind):
                return LineRejection(reason: .wrongType, detail: "\(name) must be \(field.expectation), got \(kind.rawValue)")
            case .notInteger:
                return LineRejection(reason: .wrongType, detail: "\(name) must be an integer, got \(value)")
            case .negative:
                return LineRejection(reason: .invalidValue, detail: "\(name) must not be negative, got \(value)")
            case .nonFinite:
                return LineRejection(reason: .invalidValue, detail: "\(name) must be a finite number, got \(value)")
            case .outOfRange:
                return LineRejection(reason: .invalidValue, detail: "\(name) must fit in a signed 64-bit integer, got \(value)")
            case .empty:
                return LineRejection(reason: .invalidValue, detail: "\(name) must not be empty")
            case .notTimestamp:
                return LineRejection(
                    reason: .invalidTimestamp,
                    detail: "\(name) must be an RFC 3339 date-time such as \"2026-11-27T07:12:03.123Z\", got \(value)"
                )
            }
        }

        func missingFields() -> LineRejection {
            let missing = Field.allCases.filter {
                Self.requiredMask & $0.bit != 0 && present & $0.bit == 0
            }
            let names = missing.map { "\"\($0.key)\"" }.joined(separator: ", ")
            return LineRejection(
                reason: .missingField,
                detail: missing.count == 1 ? "missing required field \(names)" : "missing required fields \(names)"
            )
        }

        /// The raw text of a value, cut at 64 bytes (on a character boundary) so that a hostile
        /// line cannot make the message, and the quarantine row, huge.
        static func excerpt(_ base: UnsafeRawPointer, start: Int, end: Int) -> String {
            let limit = 64
            var length = min(end &- start, limit)
            while length > 0, length < end &- start,
                  base.load(fromByteOffset: start &+ length, as: UInt8.self) & 0xC0 == 0x80 {
                length &-= 1
            }
            guard length > 0 else { return "" }
            let text = String(decoding: UnsafeRawBufferPointer(start: base + start, count: length), as: UTF8.self)
            return end &- start > limit ? text + "..." : text
        }
    }
}

// MARK: - Tokens

extension CallLogParser {
    /// The type of a JSON value, for "got ..." messages.
    enum JSONKind: String {
        case string, number, boolean, null, object, array
    }

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

    /// A number checked against JSON's grammar, as the positions of its parts.
    struct NumberToken {
        var start = 0
        var end = 0
        var negative = false
        var integerStart = 0
        var integerEnd = 0
        /// Equal to `fractionEnd` when there is no fraction.
        var fractionStart = 0
        var fractionEnd = 0
        /// The written exponent, saturated at ±10^15: past that every double is 0 or infinite
        /// and the arithmetic below stays far from overflow.
        var exponent = 0

        static let exponentLimit = 1_000_000_000_000_000

        /// The digits of integer and fraction in order, as if the point were not there.
        @inline(__always)
        func digit(_ index: Int, _ base: UnsafeRawPointer) -> UInt8 {
            let integerCount = integerEnd &- integerStart
            let position = index < integerCount ? integerStart &+ index : fractionStart &+ (index &- integerCount)
            return base.load(fromByteOffset: position, as: UInt8.self) &- UInt8(ascii: "0")
        }

        var digitCount: Int { (integerEnd &- integerStart) &+ (fractionEnd &- fractionStart) }

        /// The double nearest to the written value, as `strtod` gives it.
        ///
        /// Up to 15 significant digits and a decimal exponent within ±22 both the digits and the
        /// power of ten are exact doubles, so one multiplication or division is correctly rounded
        /// (Clinger's fast path); everything else goes to `strtod`.
        @inline(__always)
        func doubleValue(_ base: UnsafeRawPointer) -> Double {
            var mantissa: UInt64 = 0
            var significant = 0
            let count = digitCount
            var index = 0
            while index < count, significant <= 15 {
                let value = digit(index, base)
                if mantissa != 0 || value != 0 {
                    mantissa = mantissa &* 10 &+ UInt64(value)
                    significant &+= 1
                }
                index &+= 1
            }
            if index == count {
                if mantissa == 0 { return negative ? -0.0 : 0.0 }
                let scale = exponent &- (fractionEnd &- fractionStart)
                if significant <= 15, scale >= -22, scale <= 22 {
                    let magnitude = scale < 0
                        ? Double(mantissa) / Self.exactPowersOfTen[-scale]
                        : Double(mantissa) * Self.exactPowersOfTen[scale]
                    return negative ? -magnitude : magnitude
                }
            }
            return strtodValue(base)
        }

        /// Hands the number to `strtod` as `[-]DIGITSe[-]SCALE`: without a decimal point the
        /// result cannot depend on the C locale's radix character.
        private func strtodValue(_ base: UnsafeRawPointer) -> Double {
            let count = digitCount
            let scale = exponent &- (fractionEnd &- fractionStart)
            return withUnsafeTemporaryAllocation(of: CChar.self, capacity: count &+ 24) { buffer in
                guard let text = buffer.baseAddress else { return .nan }
                var length = 0
                @inline(__always) func put(_ byte: UInt8) {
                    text[length] = CChar(bitPattern: byte)
                    length &+= 1
                }
                if negative { put(UInt8(ascii: "-")) }
                for index in 0..<count {
                    put(digit(index, base) &+ UInt8(ascii: "0"))
                }
                put(UInt8(ascii: "e"))
                if scale < 0 { put(UInt8(ascii: "-")) }
                var magnitude = scale.magnitude
                var reversed: [UInt8] = []
                repeat {
                    reversed.append(UInt8(truncatingIfNeeded: magnitude % 10) &+ UInt8(ascii: "0"))
                    magnitude /= 10
                } while magnitude > 0
                for byte in reversed.reversed() { put(byte) }
                put(0)
                return strtod(text, nil)
            }
        }

        /// 10^0 ... 10^22, the powers of ten that are exact doubles.
        static let exactPowersOfTen: [Double] = [
            1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
            1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
        ]

        enum IntegerMagnitude: Equatable {
            case magnitude(Int64)
            case notIntegral
            case outOfRange
        }

        /// The exact value as a 64-bit magnitude, decided on the decimal digits rather than a
        /// double so that `9223372036854775807` fits and `9223372036854775808` does not.
        func integerMagnitude(_ base: UnsafeRawPointer) -> IntegerMagnitude {
            let count = digitCount
            var first = 0
            while first < count, digit(first, base) == 0 { first &+= 1 }
            guard first < count else { return .magnitude(0) }
            var last = count &- 1
            while digit(last, base) == 0 { last &-= 1 }
            // The value is digits[first...last] * 10^scale.
            let scale = exponent &- (fractionEnd &- fractionStart) &+ (count &- 1 &- last)
            guard scale >= 0 else { return .notIntegral }
            let significant = last &- first &+ 1
            guard significant &+ scale <= 19 else { return .outOfRange }
            var value: UInt64 = 0
            for index in first...last {
                value = value &* 10 &+ UInt64(digit(index, base))
            }
            for _ in 0..<scale {
                let (product, overflow) = value.multipliedReportingOverflow(by: 10)
                guard !overflow else { return .outOfRange }
                value = product
            }
            guard value <= UInt64(Int64.max) else { return .outOfRange }
            return .magnitude(Int64(value))
        }
    }
}

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

// MARK: - Interning

/// A small direct-mapped cache from bytes to the `String` made of them last time, two slots per
/// hash bucket. Bounded in both entry count and entry length, so it needs no eviction policy
/// beyond overwriting.
struct StringInterner {
    static let slotCount = 512
    /// Up to 15 UTF-8 bytes a `String` is stored inline and costs no allocation to make.
    static let minimumLength = 16
    static let maximumLength = 128

    private var hashes: [UInt64]
    private var strings: [String]

    init() {
        hashes = Array(repeating: 0, count: Self.slotCount)
        strings = Array(repeating: "", count: Self.slotCount)
    }

    /// The bytes (valid UTF-8) as a `String`, shared with earlier calls for the same bytes.
    mutating func string(_ bytes: UnsafeRawBufferPointer) -> String {
        let count = bytes.count
        guard count >= Self.minimumLength, count <= Self.maximumLength, let base = bytes.baseAddress else {
            return Self.makeString(bytes)
        }
        let hash = Self.hash(base, count: count)
        let slot = Int(truncatingIfNeeded: hash) & (Self.slotCount &- 1) & ~1
        if hashes[slot] == hash, Self.equals(strings[slot], base, count: count) {
            return strings[slot]
        }
        if hashes[slot | 1] == hash, Self.equals(strings[slot | 1], base, count: count) {
            return strings[slot | 1]
        }
        let made = Self.makeString(bytes)
        hashes[slot | 1] = hashes[slot]
        strings[slot | 1] = strings[slot]
        hashes[slot] = hash
        strings[slot] = made
        return made
    }

    @inline(__always)
    static func makeString(_ bytes: UnsafeRawBufferPointer) -> String {
        bytes.withMemoryRebound(to: UInt8.self) { String(decoding: $0, as: UTF8.self) }
    }

    @inline(__always)
    private static func equals(_ string: String, _ base: UnsafeRawPointer, count: Int) -> Bool {
        string.utf8.withContiguousStorageIfAvailable { stored in
            guard stored.count == count, let storedBase = stored.baseAddress else { return false }
            return memcmp(storedBase, base, count) == 0
        } ?? false
    }

    /// Eight bytes per multiply; the cache only needs spread, not resistance to attack (a
    /// collision costs a miss, nothing more).
    @inline(__always)
    private static func hash(_ base: UnsafeRawPointer, count: Int) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: count)
        var index = 0
        while count &- index >= 8 {
            let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            hash = (hash ^ word) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 32
            index &+= 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while index < count {
            tail |= UInt64(base.load(fromByteOffset: index, as: UInt8.self)) << shift
            shift &+= 8
            index &+= 1
        }
        hash = (hash ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return hash ^ (hash >> 29)
    }
}
