import Foundation

/// The rows of one query, read to the end before anything is printed: the shipped queries
/// aggregate or have a LIMIT, so a result is small, and aligned table output needs every
/// width before the first line.
///
/// The three output formats are pure functions of the result (`QueryResult+Table.swift`,
/// `+CSV`, `+JSON`); the command only writes their text.
package struct QueryResult: Sendable, Equatable {
    package var columns: [String]
    package var rows: [[SQLiteValue]]

    package init(columns: [String], rows: [[SQLiteValue]]) {
        self.columns = columns
        self.rows = rows
    }
}

extension SQLiteValue {
    /// 15 significant digits, as the sqlite3 shell prints a REAL: a sum of costs prints as
    /// `0.00018`, not as the shortest round-trip form of its binary value,
    /// `0.00017999999999999998`. Whole numbers print without a fraction (`45000`).
    static func text(_ value: Double) -> String {
        String(format: "%.15g", value)
    }

    /// A blob as SQL writes its literal, `x'0a1b'`: the shipped queries never return one (the
    /// quarantine excerpt is cast to text), but a result must print whatever SQLite hands back.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = Array("x'".utf8)
        text.reserveCapacity(bytes.count * 2 + 3)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        text.append(UInt8(ascii: "'"))
        return String(decoding: text, as: UTF8.self)
    }
}
