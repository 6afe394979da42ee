/// Why a call-log line was not turned into a ``CallRecord``.
///
/// The raw values are the `reason` label of the exporter's rejected-lines counter and the reason
/// column of the quarantine table, so they are part of the exporter's package contract: add cases,
/// never rename them. Sorting is by raw value so that any listing of reasons is stable.
package enum RejectReason: String, Sendable, CaseIterable, Comparable {
    /// The line is empty or holds only JSON whitespace (space, tab, CR, LF).
    case emptyLine = "empty_line"
    /// The line is not exactly one JSON object: a syntax error, data after the object, a raw
    /// control character or a bad escape in a string, an unpaired surrogate escape, nesting deeper
    /// than 64 levels, or a top-level value that is not an object.
    case invalidJSON = "invalid_json"
    /// The bytes are not UTF-8 (overlong forms, encoded surrogates, code points past U+10FFFF and
    /// truncated sequences included).
    case invalidUTF8 = "invalid_utf8"
    /// A required field (`ts`, `agent`, `model`, `success`, `latency_ms`) is absent.
    case missingField = "missing_field"
    /// A field holds the wrong JSON type, a required field is `null`, or a token count is not an
    /// integral number.
    case wrongType = "wrong_type"
    /// A field has the right type but an impossible value: a negative or non-finite number, an
    /// empty `agent` or `model`, a token count beyond 64 bits.
    case invalidValue = "invalid_value"
    /// `ts` is a string but not an RFC 3339 date-time of a real instant.
    case invalidTimestamp = "invalid_timestamp"
    /// The line exceeded the tailer's length limit; the tailer reports this before any parsing,
    /// so ``CallLogParser`` never returns it.
    case tooLong = "too_long"

    package static func < (lhs: RejectReason, rhs: RejectReason) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}

/// A call-log line that was refused, with the reason to count it under and a message for the
/// operator that names the offending field or the byte offset of the syntax error.
package struct LineRejection: Error, Sendable, Equatable {
    package var reason: RejectReason
    /// Human-readable, e.g. `missing required field "agent"` or
    /// `field "success" must be a boolean, got number`.
    package var detail: String

    package init(reason: RejectReason, detail: String) {
        self.reason = reason
        self.detail = detail
    }
}
