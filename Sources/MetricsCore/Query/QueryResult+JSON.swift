extension QueryResult {
    /// A JSON array with one object per row, keys in column order, one row per line. Integers
    /// and reals are JSON numbers (a non-finite real, which JSON cannot hold, is null), NULL
    /// is null, a blob is its `x'…'` text.
    package func json() -> String {
        guard !rows.isEmpty else { return "[]\n" }
        let keys = columns.map(Self.jsonString)
        var out = "[\n"
        for (index, row) in rows.enumerated() {
            out += "  {"
            for (column, value) in row.enumerated() where column < keys.count {
                if column > 0 { out += "," }
                out += keys[column] + ":"
                switch value {
                case .null: out += "null"
                case .integer(let number): out += String(number)
                case .real(let number): out += number.isFinite ? SQLiteValue.text(number) : "null"
                case .text(let text): out += Self.jsonString(text)
                case .blob(let bytes): out += Self.jsonString(SQLiteValue.hex(bytes))
                }
            }
            out += index == rows.count - 1 ? "}\n" : "},\n"
        }
        return out + "]\n"
    }

    /// A JSON string literal (RFC 8259): quote, backslash and the C0 controls escaped,
    /// everything else as is (the output is UTF-8).
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
