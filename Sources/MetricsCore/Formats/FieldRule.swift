/// How one field of a call record is read from a record of a mapped format: the decoded form of
/// one entry of a mapping's `fields:` table (docs/formats.md, "A field's rule"), before compiling.
struct FieldRule: Sendable {
    var paths: [String] = []
    var minus: [String] = []
    var constant: MappingScalar?
    var fallback: MappingScalar?
    var unit: TimeUnit?
    /// Value map entries in the order written; `"*"` is `otherwise`.
    var map: [(key: String, value: MappingScalar)] = []
    var otherwise: MappingScalar?
    var range: ClosedRange<Double>?
}

/// A constant of a mapping: `const`, `default` and the results of a value map.
enum MappingScalar: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case number(Double)
    case bool(Bool)

    var description: String {
        switch self {
        case let .string(text): "\"\(text)\""
        case let .number(value): "\(value)"
        case let .bool(value): "\(value)"
        }
    }
}

/// The unit a mapped timestamp or duration is written in.
enum TimeUnit: String, Sendable, CaseIterable {
    case rfc3339, s, ms, us, ns

    /// Seconds per unit; nil for RFC 3339 text.
    var seconds: Double? {
        switch self {
        case .rfc3339: nil
        case .s: 1
        case .ms: 1e-3
        case .us: 1e-6
        case .ns: 1e-9
        }
    }
}

/// What a field holds once read, which decides the units and conversions a rule may use.
enum MappedKind: Sendable {
    case timestamp, duration, text, nonEmptyText, boolean, amount, count

    init(_ field: CallLogParser.Field) {
        switch field {
        case .ts: self = .timestamp
        case .latencyMs, .ttftMs: self = .duration
        case .requestID, .variant, .fallbackModel, .error: self = .text
        case .agent, .model: self = .nonEmptyText
        case .success, .fallback, .stream, .cacheHit: self = .boolean
        case .costUSD: self = .amount
        case .inputTokens, .outputTokens, .cachedInputTokens, .reasoningTokens: self = .count
        }
    }
}
