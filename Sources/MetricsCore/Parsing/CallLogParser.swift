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
package struct CallLogParser: Sendable {
    /// The line's object is level 1; a container inside an unknown key's value at level 65 is
    /// refused. The scanner keeps its open containers in one 64-bit word, so this is also the
    /// most it can track without allocating.
    static let maximumNestingDepth = 64

    var interner = StringInterner()

    package init() {}

    package mutating func parse(_ line: [UInt8]) -> Result<CallRecord, LineRejection> {
        line.withUnsafeBytes { parse($0) }
    }

    package mutating func parse(_ line: UnsafeRawBufferPointer) -> Result<CallRecord, LineRejection> {
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
            inputTokens: fields.inputTokens, outputTokens: fields.outputTokens,
            stream: fields.stream, ttftMs: fields.ttftMs, cachedInputTokens: fields.cachedInputTokens,
            reasoningTokens: fields.reasoningTokens, cacheHit: fields.cacheHit
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
}
