extension QueryResult {
    /// RFC 4180: a header record, then one record per row, each ended by CRLF; a field holding
    /// a comma, a double quote, CR or LF is quoted, with its quotes doubled. NULL is an empty
    /// field; text is written as stored (not escaped as in the table).
    package func csv() -> String {
        var out = ""
        func record(_ fields: [String]) {
            out += fields.map(Self.csvField).joined(separator: ",")
            out += "\r\n"
        }
        record(columns)
        for row in rows {
            record(row.map { value in
                switch value {
                case .null: ""
                case .integer(let number): String(number)
                case .real(let number): SQLiteValue.text(number)
                case .text(let text): text
                case .blob(let bytes): SQLiteValue.hex(bytes)
                }
            })
        }
        return out
    }

    static func csvField(_ field: String) -> String {
        guard field.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else { return field }
        var quoted = "\""
        for character in field.unicodeScalars {
            if character == "\"" { quoted += "\"\"" } else { quoted.unicodeScalars.append(character) }
        }
        return quoted + "\""
    }
}
