import Foundation
import MetricsCore

/// [since, until) in epoch seconds, as `query` and `report` read their --since and --until.
struct TimeWindow: Equatable {
    var since: Double
    var until: Double

    /// Both times read with one `now`, so that `--since 1h` is exactly an hour; `until` nil is
    /// now. `example` is the duration a bad time's message shows among its examples (each
    /// command shows one at the scale of its own default).
    init(since sinceText: String, until untilText: String?, now: Double, example: String) throws(TimeWindowError) {
        guard let since = Self.instant(sinceText, now: now) else {
            throw TimeWindowError("--since \"\(sinceText)\" is \(Self.expectedTime(example: example))")
        }
        let untilText = untilText ?? "now"
        guard let until = Self.instant(untilText, now: now) else {
            throw TimeWindowError("--until \"\(untilText)\" is \(Self.expectedTime(example: example))")
        }
        guard since < until else {
            throw TimeWindowError("--since (\(RFC3339Timestamp.format(since))) must be before --until (\(RFC3339Timestamp.format(until)))")
        }
        self.since = since
        self.until = until
    }

    static func expectedTime(example: String) -> String {
        "neither a duration back from now (90s, 30m, \(example), 7d), an RFC 3339 time (2026-11-27T07:00:00Z) nor epoch seconds"
    }

    /// `now`, epoch seconds (`1764200000`, `1764200000.5`), RFC 3339, or a duration back from `now`.
    static func instant(_ text: String, now: Double) -> Double? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if text == "now" { return now }
        if let seconds = Double(text) { return seconds.isFinite && seconds >= 0 ? seconds : nil }
        if let time = Array(text.utf8).withUnsafeBytes({ RFC3339Timestamp.parse($0) }) { return time }
        if let back = DurationText.seconds(text), back.isFinite { return now - back }
        return nil
    }
}

/// A --since or --until that cannot be read, or a window that ends before it starts; the
/// message names the flag. Each command reports it as its own usage error.
struct TimeWindowError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
