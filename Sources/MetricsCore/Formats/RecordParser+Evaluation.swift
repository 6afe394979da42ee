// RecordParser's second step for mapped formats: from the slots a scan filled to a CallRecord,
// applying each field's rule (fallback paths, const, default, value map, range, unit, minus).

/// A field's value once its rule picked it: a place in the line, or a constant of the mapping.
private enum Picked {
    case absent
    case captured(Capture)
    case constant(MappingScalar)
}

/// Why a field's value cannot be used: a wrong kind of value or an impossible one.
private struct FieldFailure: Error {
    var reason: RejectReason
    var message: String
}

extension RecordParser {
    mutating func evaluate(record: Int, of scanner: MappedLineScanner, base: UnsafeRawPointer) -> Result<CallRecord, LineRejection> {
        let mapping = scanner.mapping
        var result = CallRecord(timestamp: 0, agent: "", model: "", success: false, latencyMs: 0)
        var missing: [CallLogParser.Field] = []
        var costGiven = false
        for field in CallLogParser.Field.allCases {
            guard let ruleIndex = mapping.ruleIndex[field.rawValue] else { continue }
            let rule = mapping.rules[ruleIndex]
            let picked = pick(rule, record: record, scanner: scanner, base: base)
            if case .absent = picked {
                if CompiledMapping.requiredFields.contains(field) { missing.append(field) }
                continue
            }
            if field == .costUSD { costGiven = true }
            do {
                try assign(picked, rule: rule, record: record, scanner: scanner, base: base, to: &result)
            } catch {
                return .failure(LineRejection(
                    reason: error.reason, detail: "field \"\(field.key)\" (\(rule.source)) \(error.message)"
                ))
            }
        }
        guard missing.isEmpty else {
            let names = missing.map { field -> String in
                let source = mapping.ruleIndex[field.rawValue].map { mapping.rules[$0].source } ?? ""
                return "\"\(field.key)\" (\(source))"
            }.joined(separator: ", ")
            return .failure(LineRejection(
                reason: .missingField,
                detail: missing.count == 1 ? "missing required field \(names)" : "missing required fields \(names)"
            ))
        }
        if !costGiven, let cost = format.pricing.cost(model: result.model, inputTokens: result.inputTokens,
                                                       outputTokens: result.outputTokens) {
            result.costUSD = cost
        }
        return .success(result)
    }

    private func pick(_ rule: CompiledMapping.Rule, record: Int, scanner: MappedLineScanner, base: UnsafeRawPointer) -> Picked {
        if let constant = rule.constant { return .constant(constant) }
        for slot in rule.slots {
            let capture = scanner.capture(slot, record: record)
            if capture.kind == .absent || capture.kind == .null { continue }
            if rule.map.isEmpty, rule.otherwise == nil { return .captured(capture) }
            if let mapped = rule.map.first(where: { Self.text(of: capture, base: base, equals: $0.key) }) {
                return .constant(mapped.value)
            }
            if let otherwise = rule.otherwise { return .constant(otherwise) }
            return .captured(capture)
        }
        if let fallback = rule.fallback { return .constant(fallback) }
        return .absent
    }

    // swiftlint:disable:next function_body_length cyclomatic_complexity
    private mutating func assign(
        _ picked: Picked, rule: CompiledMapping.Rule, record: Int, scanner: MappedLineScanner,
        base: UnsafeRawPointer, to result: inout CallRecord
    ) throws(FieldFailure) {
        switch rule.kind {
        case .timestamp:
            result.timestamp = try timestamp(picked, unit: rule.unit, base: base)
        case .duration:
            var milliseconds: Double
            if rule.minusSlots.isEmpty {
                let factor = (rule.unit?.seconds ?? 1e-3) / 1e-3
                milliseconds = try number(picked, base: base) * factor
            } else {
                let subtrahend = rule.minusSlots.lazy.map { scanner.capture($0, record: record) }
                    .first { $0.kind != .absent && $0.kind != .null }
                guard let subtrahend else {
                    throw FieldFailure(reason: .missingField, message: "has no value to subtract: none of \(rule.source) is present")
                }
                milliseconds = try difference(picked, minus: .captured(subtrahend), unit: rule.unit, base: base)
            }
            guard milliseconds.isFinite else { throw FieldFailure(reason: .invalidValue, message: "must be a finite duration") }
            guard milliseconds >= 0 else {
                throw FieldFailure(reason: .invalidValue, message: "must not be negative, got \(milliseconds) ms")
            }
            if rule.field == .latencyMs { result.latencyMs = milliseconds + 0 } else { result.ttftMs = milliseconds + 0 }
        case .text, .nonEmptyText:
            let interned = rule.field != .requestID
            let value = try text(picked, interned: interned, base: base)
            if rule.kind == .nonEmptyText, value.isEmpty {
                throw FieldFailure(reason: .invalidValue, message: "must not be empty")
            }
            switch rule.field {
            case .requestID: result.requestID = value
            case .agent: result.agent = value
            case .model: result.model = value
            case .variant: result.variant = value
            case .fallbackModel: result.fallbackModel = value
            default: result.error = value
            }
        case .boolean:
            let value = try boolean(picked, range: rule.range, base: base)
            switch rule.field {
            case .success: result.success = value
            case .fallback: result.fallback = value
            case .stream: result.stream = value
            default: result.cacheHit = value
            }
        case .amount:
            let value = try number(picked, base: base)
            guard value.isFinite else { throw FieldFailure(reason: .invalidValue, message: "must be a finite number") }
            guard value >= 0 else { throw FieldFailure(reason: .invalidValue, message: "must not be negative, got \(value)") }
            result.costUSD = value + 0
        case .count:
            let value = try count(picked, base: base)
            switch rule.field {
            case .inputTokens: result.inputTokens = value
            case .outputTokens: result.outputTokens = value
            case .cachedInputTokens: result.cachedInputTokens = value
            default: result.reasoningTokens = value
            }
        }
    }

    // MARK: - Conversions

    private func kindName(_ picked: Picked) -> String {
        switch picked {
        case .absent: "nothing"
        case let .constant(scalar): "\(scalar)"
        case let .captured(capture):
            switch capture.kind {
            case .string: "a string"
            case .number: "a number"
            case .yes, .no: "a boolean"
            case .null, .absent: "null"
            case .container: "an object or array"
            }
        }
    }

    /// A JSON number, or a string holding one (OTLP/JSON writes 64-bit integers as strings).
    private func numberToken(_ capture: Capture, base: UnsafeRawPointer) -> CallLogParser.NumberToken? {
        if capture.kind == .number { return capture.number }
        guard capture.kind == .string, !capture.escaped, capture.end > capture.start else { return nil }
        var cursor = CallLogParser.Cursor(base: base, end: capture.end)
        cursor.position = capture.start
        var token = CallLogParser.NumberToken()
        guard cursor.scanNumber(into: &token), cursor.position == capture.end else { return nil }
        return token
    }

    private func number(_ picked: Picked, base: UnsafeRawPointer) throws(FieldFailure) -> Double {
        switch picked {
        case let .constant(.number(value)): return value
        case let .captured(capture):
            if let token = numberToken(capture, base: base) { return token.doubleValue(base) }
        default: break
        }
        throw FieldFailure(reason: .wrongType, message: "must be a number, got \(kindName(picked))")
    }

    private func count(_ picked: Picked, base: UnsafeRawPointer) throws(FieldFailure) -> Int64 {
        if case let .constant(.number(value)) = picked, value >= 0, value == value.rounded(), value < 9.2e18 {
            return Int64(value)
        }
        guard case let .captured(capture) = picked, let token = numberToken(capture, base: base) else {
            throw FieldFailure(reason: .wrongType, message: "must be an integer, got \(kindName(picked))")
        }
        switch token.integerMagnitude(base) {
        case .notIntegral:
            throw FieldFailure(reason: .wrongType, message: "must be an integer, got \(token.doubleValue(base))")
        case .outOfRange:
            throw FieldFailure(reason: .invalidValue, message: "must fit in a signed 64-bit integer")
        case let .magnitude(magnitude):
            if token.negative, magnitude != 0 {
                throw FieldFailure(reason: .invalidValue, message: "must not be negative, got -\(magnitude)")
            }
            return magnitude
        }
    }

    private func boolean(_ picked: Picked, range: ClosedRange<Double>?, base: UnsafeRawPointer) throws(FieldFailure) -> Bool {
        if let range {
            return range.contains(try number(picked, base: base))
        }
        switch picked {
        case let .constant(.bool(value)): return value
        case let .captured(capture) where capture.kind == .yes: return true
        case let .captured(capture) where capture.kind == .no: return false
        default:
            throw FieldFailure(reason: .wrongType, message: "must be a boolean (or mapped to one with map:), got \(kindName(picked))")
        }
    }

    private mutating func text(_ picked: Picked, interned: Bool, base: UnsafeRawPointer) throws(FieldFailure) -> String {
        switch picked {
        case let .constant(.string(value)): return value
        case let .captured(capture) where capture.kind == .string:
            let token = CallLogParser.StringToken(start: capture.start, end: capture.end, escaped: capture.escaped)
            return makeString(token, base: base, interned: interned)
        default:
            throw FieldFailure(reason: .wrongType, message: "must be a string, got \(kindName(picked))")
        }
    }

    private func timestamp(_ picked: Picked, unit: TimeUnit?, base: UnsafeRawPointer) throws(FieldFailure) -> Double {
        if unit == .rfc3339 || (unit == nil && !isNumeric(picked, base: base)) {
            guard case let .captured(capture) = picked, capture.kind == .string else {
                throw FieldFailure(reason: .wrongType, message: "must be an RFC 3339 string, got \(kindName(picked))")
            }
            let token = CallLogParser.StringToken(start: capture.start, end: capture.end, escaped: capture.escaped)
            let seconds = Self.withDecoded(token, base: base) { RFC3339Timestamp.parse($0, count: $1) }
            guard let seconds else {
                throw FieldFailure(reason: .invalidTimestamp, message: "must be an RFC 3339 date-time such as \"2026-11-27T07:12:03.123Z\"")
            }
            return seconds
        }
        let value = try number(picked, base: base) * (unit?.seconds ?? 1)
        guard value.isFinite, value >= 0 else {
            throw FieldFailure(reason: .invalidValue, message: "must be a non-negative epoch time")
        }
        return value + 0
    }

    /// `picked − minus` in milliseconds: exact in integers when both are integral (nanosecond
    /// epochs do not fit a double's 53 bits), as timestamps when the unit is RFC 3339.
    private func difference(_ picked: Picked, minus: Picked, unit: TimeUnit?, base: UnsafeRawPointer) throws(FieldFailure) -> Double {
        if unit == .rfc3339 || (unit == nil && !isNumeric(picked, base: base)) {
            return (try timestamp(picked, unit: .rfc3339, base: base) - timestamp(minus, unit: .rfc3339, base: base)) * 1000
        }
        let factor = (unit?.seconds ?? 1e-3) / 1e-3
        if case let .captured(end) = picked, case let .captured(start) = minus,
           let endToken = numberToken(end, base: base), let startToken = numberToken(start, base: base),
           case let .magnitude(endValue) = endToken.integerMagnitude(base),
           case let .magnitude(startValue) = startToken.integerMagnitude(base),
           !endToken.negative, !startToken.negative {
            let (delta, overflow) = endValue.subtractingReportingOverflow(startValue)
            if !overflow { return Double(delta) * factor }
        }
        return (try number(picked, base: base) - number(minus, base: base)) * factor
    }

    private func isNumeric(_ picked: Picked, base: UnsafeRawPointer) -> Bool {
        switch picked {
        case .constant(.number): true
        case let .captured(capture): numberToken(capture, base: base) != nil
        default: false
        }
    }

    private mutating func makeString(_ text: CallLogParser.StringToken, base: UnsafeRawPointer, interned: Bool) -> String {
        Self.withDecoded(text, base: base) { pointer, count in
            let bytes = UnsafeRawBufferPointer(start: pointer, count: count)
            return interned ? interner.string(bytes) : StringInterner.makeString(bytes)
        }
    }

    private static func withDecoded<T>(
        _ text: CallLogParser.StringToken, base: UnsafeRawPointer, _ body: (UnsafeRawPointer, Int) -> T
    ) -> T {
        let length = text.end &- text.start
        guard text.escaped else { return body(base + text.start, length) }
        return withUnsafeTemporaryAllocation(byteCount: max(length, 1), alignment: 1) { buffer in
            let scratch = buffer.baseAddress!
            let decoded = CallLogParser.StringToken.unescape(text, in: base, into: scratch)
            return body(UnsafeRawPointer(scratch), decoded)
        }
    }

    /// Whether the value as written (string content decoded, number as written, `true`/`false`)
    /// is `key`: the match of a value map.
    static func text(of capture: Capture, base: UnsafeRawPointer, equals key: [UInt8]) -> Bool {
        switch capture.kind {
        case .string:
            let token = CallLogParser.StringToken(start: capture.start, end: capture.end, escaped: capture.escaped)
            return MappedLineScanner.equals(token, key, base: base)
        case .number:
            let token = CallLogParser.StringToken(start: capture.start, end: capture.end, escaped: false)
            return MappedLineScanner.equals(token, key, base: base)
        case .yes: return key == Array("true".utf8)
        case .no: return key == Array("false".utf8)
        default: return false
        }
    }
}
