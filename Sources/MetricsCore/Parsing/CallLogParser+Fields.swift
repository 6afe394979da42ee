// CallLogParser's field table and the decoding of each field's value (see CallLogParser.swift).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Fields

extension CallLogParser {
    mutating func apply(string text: StringToken, to field: Field, in fields: inout FieldValues, base: UnsafeRawPointer) {
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
        case .success, .fallback, .latencyMs, .costUSD, .inputTokens, .outputTokens,
             .stream, .ttftMs, .cachedInputTokens, .reasoningTokens, .cacheHit:
            fields.reject(field, .wrongType(.string))
        }
    }

    func timestamp(_ text: StringToken, base: UnsafeRawPointer) -> Double? {
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

    mutating func makeString(_ text: StringToken, base: UnsafeRawPointer, interned: Bool) -> String {
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
        // Optional signals of streamed and cached traffic (issue 11).
        case stream, ttftMs, cachedInputTokens, reasoningTokens, cacheHit

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
            case .stream: "stream"
            case .ttftMs: "ttft_ms"
            case .cachedInputTokens: "cached_input_tokens"
            case .reasoningTokens: "reasoning_tokens"
            case .cacheHit: "cache_hit"
            }
        }

        /// What the field holds, for "must be ..., got ..." messages.
        var expectation: String {
            switch self {
            case .ts: "an RFC 3339 string or a number"
            case .requestID, .variant, .fallbackModel: "a string"
            case .error: "a string or null"
            case .agent, .model: "a non-empty string"
            case .success, .fallback, .stream, .cacheHit: "a boolean"
            case .latencyMs, .costUSD, .ttftMs: "a number"
            case .inputTokens, .outputTokens, .cachedInputTokens, .reasoningTokens: "an integer"
            }
        }

        @inline(__always)
        var bit: UInt32 { 1 << UInt32(rawValue) }

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
            case 6: return equals("stream") ? .stream : nil
            case 7:
                switch key.load(as: UInt8.self) {
                case UInt8(ascii: "v"): return equals("variant") ? .variant : nil
                case UInt8(ascii: "s"): return equals("success") ? .success : nil
                case UInt8(ascii: "t"): return equals("ttft_ms") ? .ttftMs : nil
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
            case 9: return equals("cache_hit") ? .cacheHit : nil
            case 12: return equals("input_tokens") ? .inputTokens : nil
            case 13: return equals("output_tokens") ? .outputTokens : nil
            case 14: return equals("fallback_model") ? .fallbackModel : nil
            case 16: return equals("reasoning_tokens") ? .reasoningTokens : nil
            case 19: return equals("cached_input_tokens") ? .cachedInputTokens : nil
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
        static let requiredMask: UInt32 = Field.ts.bit | Field.agent.bit | Field.model.bit
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
        var stream: Bool?
        var ttftMs: Double?
        var cachedInputTokens: Int64?
        var reasoningTokens: Int64?
        var cacheHit: Bool?

        var present: UInt32 = 0
        var failed: UInt32 = 0
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
            case .ttftMs:
                guard let value = checkedDouble(number, for: field, base: base) else { return }
                ttftMs = value
            case .inputTokens, .outputTokens, .cachedInputTokens, .reasoningTokens:
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
                switch field {
                case .inputTokens: inputTokens = count
                case .outputTokens: outputTokens = count
                case .cachedInputTokens: cachedInputTokens = count
                default: reasoningTokens = count
                }
            case .requestID, .agent, .model, .variant, .success, .fallback, .fallbackModel, .error,
                 .stream, .cacheHit:
                return reject(field, .wrongType(.number))
            }
            accept(field)
        }

        mutating func apply(bool value: Bool, to field: Field) {
            switch field {
            case .success: success = value
            case .fallback: fallback = value
            case .stream: stream = value
            case .cacheHit: cacheHit = value
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
            case .stream: stream = nil
            case .ttftMs: ttftMs = nil
            case .cachedInputTokens: cachedInputTokens = nil
            case .reasoningTokens: reasoningTokens = nil
            case .cacheHit: cacheHit = nil
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

// MARK: - JSON kinds

extension CallLogParser {
    /// The type of a JSON value, for "got ..." messages.
    enum JSONKind: String {
        case string, number, boolean, null, object, array
    }
}
