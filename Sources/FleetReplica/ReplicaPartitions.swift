import MetricsCore

/// Day partitions of the shipped tables: `calls_p20261204` holds the rows whose `ts` falls on
/// that UTC day, `[day * 86400, (day + 1) * 86400)` in epoch seconds. Named by the date so a
/// reviewer reading `\d+ calls` sees the days kept; the name is also how retention finds a
/// partition's day (``day(ofPartition:_:)``), so it must stay parseable.
enum ReplicaPartitions {
    /// The advisory lock key under which partitions are created and dropped.
    static let lockKey: Int64 = 0x6D_6F_64_65_6C_02

    static func name(_ stream: ReplicaStream, day: Int64) -> String {
        let (year, month, dayOfMonth) = civil(day)
        let y = year < 0 ? "m\(-year)" : String(year)
        return "\(stream.rawValue)_p\(y)\(month < 10 ? "0" : "")\(month)\(dayOfMonth < 10 ? "0" : "")\(dayOfMonth)"
    }

    static func createStatement(_ stream: ReplicaStream, day: Int64) -> String {
        // Bounds are whole numbers built from a day number, never text from a log.
        "CREATE TABLE IF NOT EXISTS \(name(stream, day: day)) PARTITION OF \(stream.rawValue) FOR VALUES FROM (\(day * 86400)) TO (\((day + 1) * 86400))"
    }

    /// The day a partition of `stream` holds, or nil for a table not named by this type.
    static func day(ofPartition name: String, _ stream: ReplicaStream) -> Int64? {
        let prefix = "\(stream.rawValue)_p"
        guard name.hasPrefix(prefix) else { return nil }
        var digits = Substring(name.dropFirst(prefix.count))
        var negative = false
        if digits.hasPrefix("m") { negative = true; digits = digits.dropFirst() }
        guard digits.count >= 5, digits.allSatisfy(\.isNumber),
              let year = Int64(digits.dropLast(4)), let month = Int64(digits.suffix(4).prefix(2)),
              let dayOfMonth = Int64(digits.suffix(2)) else { return nil }
        return days(year: negative ? -year : year, month: month, day: dayOfMonth)
    }

    /// The calendar arithmetic is the timestamp parser's (Hinnant's civil_from_days and its
    /// inverse), so a partition's day and a parsed `ts` can never disagree on a date.
    static func civil(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        RFC3339Timestamp.civil(fromDays: days)
    }

    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        RFC3339Timestamp.daysFromCivil(year: year, month: month, day: day)
    }
}
