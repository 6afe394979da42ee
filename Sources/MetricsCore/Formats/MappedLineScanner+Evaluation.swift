// MappedLineScanner's second step for mapped formats: from the slots a scan filled to a CallRecord,
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

extension MappedLineScanner {
    mutating func evaluate(record: Int, base: UnsafeRawPointer) -> Result<CallRecord, LineRejection> {
        var result = CallRecord(timestamp: 0, agent: "", model: "", success: false, latencyMs: 0)
        var missing: [CallLogParser.Field] = []
        var costGiven = false
        // Through a buffer pointer: a rule is read in place, not copied with its arrays retained.
        let failure: LineRejection? = mapping.rules.withUnsafeBufferPointer { rules in
            for ruleIndex in mapping.evaluationOrder {
                let rule = rules.baseAddress! + ruleIndex
                let field = rule.pointee.field
                let picked = pick(rule, record: record, base: base)
                if case .absent = picked {
                    if field.bit & CompiledMapping.requiredMask != 0 { missing.append(field) }
                    continue
                }
                if field == .costUSD { costGiven = true }
                do throws(FieldFailure) {
                    try assign(picked, rule: rule, record: record, base: base, to: &result)
                } catch {
                    return LineRejection(
                        reason: error.reason, detail: "field \"\(field.key)\" (\(mapping.ruleSources[ruleIndex])) \(error.message)"
                    )
                }
            }
            return nil
        }
        if let failure { return .failure(failure) }
        guard missing.isEmpty else {
            let names = missing.map { field -> String in
                let source = mapping.ruleIndex[field.rawValue].map { mapping.ruleSources[$0] } ?? ""
                return "\"\(field.key)\" (\(source))"
            }.joined(separator: ", ")
            return .failure(LineRejection(
                reason: .missingField,
                detail: missing.count == 1 ? "missing required field \(names)" : "missing required fields \(names)"
            ))
        }
        if !costGiven, let cost = pricing.cost(model: result.model, inputTokens: result.inputTokens,
                                                       outputTokens: result.outputTokens) {
            result.costUSD = cost
        }
        return .success(result)
    }

    private func pick(_ rule: UnsafePointer<CompiledMapping.Rule>, record: Int, base: UnsafeRawPointer) -> Picked {
        if let constant = rule.pointee.constant { return .constant(constant) }
        // An empty agent or model on one path falls through to the next path or the default
        // (LiteLLM writes "" for a key without an alias); when nothing follows it is refused.
        let fallsThrough = rule.pointee.kind == .nonEmptyText
        var empty: Capture?
        for slot in rule.pointee.slots {
            let capture = capture(slot, record: record)
            if capture.kind == .absent || capture.kind == .null { continue }
            if fallsThrough, capture.kind == .string, capture.start == capture.end {
                empty = empty ?? capture
                continue
            }
            if rule.pointee.map.isEmpty, rule.pointee.otherwise == nil { return .captured(capture) }
            if let mapped = rule.pointee.map.first(where: { Self.text(of: capture, base: base, equals: $0) }) {
                return .constant(mapped)
            }
            if let otherwise = rule.pointee.otherwise { return .constant(otherwise) }
            return .captured(capture)
        }
        if let fallback = rule.pointee.fallback { return .constant(fallback) }
        if let empty { return .captured(empty) }
        return .absent
    }

    // swiftlint:disable:next function_body_length cyclomatic_complexity
    private mutating func assign(
        _ picked: Picked, rule: UnsafePointer<CompiledMapping.Rule>, record: Int,
        base: UnsafeRawPointer, to result: inout CallRecord
    ) throws(FieldFailure) {
        switch rule.pointee.kind {
        case .timestamp:
            result.timestamp = try timestamp(picked, unit: rule.pointee.unit, base: base)
        case .duration:
            var milliseconds: Double
            if rule.pointee.minusSlots.isEmpty {
                let factor = (rule.pointee.unit?.seconds ?? 1e-3) / 1e-3
                milliseconds = try number(picked, base: base) * factor
            } else {
                var subtrahend: Capture?
                for slot in rule.pointee.minusSlots {
                    let found = capture(slot, record: record)
                    if found.kind != .absent && found.kind != .null { subtrahend = found; break }
                }
                guard let subtrahend else {
                    throw FieldFailure(reason: .missingField, message: "has no value to subtract: none of its minus paths is present")
                }
                milliseconds = try difference(picked, minus: .captured(subtrahend), unit: rule.pointee.unit, base: base)
            }
            guard milliseconds.isFinite else { throw FieldFailure(reason: .invalidValue, message: "must be a finite duration") }
            guard milliseconds >= 0 else {
                throw FieldFailure(reason: .invalidValue, message: "must not be negative, got \(milliseconds) ms")
            }
            if rule.pointee.field == .latencyMs { result.latencyMs = milliseconds + 0 } else { result.ttftMs = milliseconds + 0 }
        case .text, .nonEmptyText:
            let interned = rule.pointee.field != .requestID
            let value = try text(picked, interned: interned, base: base)
            if rule.pointee.kind == .nonEmptyText, value.isEmpty {
                throw FieldFailure(reason: .invalidValue, message: "must not be empty")
            }
            switch rule.pointee.field {
            case .requestID: result.requestID = value
            case .agent: result.agent = value
            case .model: result.model = value
            case .variant: result.variant = value
            case .fallbackModel: result.fallbackModel = value
            default: result.error = value
            }
        case .boolean:
            let value = try boolean(picked, range: rule.pointee.range, base: base)
            switch rule.pointee.field {
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
            switch rule.pointee.field {
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
        guard capture.kind == .number || (capture.kind == .string && !capture.escaped), capture.end > capture.start else {
            return nil
        }
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
    static func text(of capture: Capture, base: UnsafeRawPointer, equals key: UnsafeRawBufferPointer) -> Bool {
        switch capture.kind {
        case .string:
            let token = CallLogParser.StringToken(start: capture.start, end: capture.end, escaped: capture.escaped)
            return MappedLineScanner.equals(token, key, base: base)
        case .number:
            let token = CallLogParser.StringToken(start: capture.start, end: capture.end, escaped: false)
            return MappedLineScanner.equals(token, key, base: base)
        case .yes: return key.elementsEqual("true".utf8)
        case .no: return key.elementsEqual("false".utf8)
        default: return false
        }
    }
}
