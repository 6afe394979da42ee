extension QueryResult {
    /// Aligned columns under a header and a rule of dashes, two spaces apart, as
    /// `sqlite3 -header -column` prints them; columns holding only numbers are right-aligned.
    /// NULL is blank. Control characters in text are written escaped (`\n`, `\t`, `\u{1b}`) so
    /// that every row stays one line and a quarantined line cannot drive the terminal. No line
    /// has trailing spaces.
    package func table() -> String {
        let cells = rows.map { row in row.map(Self.tableCell) }
        let numeric = columns.indices.map { column in
            var sawNumber = false
            for row in rows where column < row.count {
                switch row[column] {
                case .integer, .real: sawNumber = true
                case .null: continue
                case .text, .blob: return false
                }
            }
            return sawNumber
        }
        var widths = columns.map(\.count)
        for row in cells {
            for (column, cell) in row.enumerated() where column < widths.count {
                widths[column] = max(widths[column], cell.count)
            }
        }

        var out = ""
        func line(_ fields: [String]) {
            var text = ""
            for (column, field) in fields.enumerated() where column < widths.count {
                let padding = String(repeating: " ", count: max(0, widths[column] - field.count))
                let isLast = column == widths.count - 1
                if column > 0 { text += "  " }
                if numeric[column] {
                    text += padding + field
                } else {
                    text += field + (isLast ? "" : padding)
                }
            }
            while text.hasSuffix(" ") { text.removeLast() }
            out += text + "\n"
        }
        line(columns)
        line(widths.map { String(repeating: "-", count: $0) })
        for row in cells { line(row) }
        return out
    }

    static func tableCell(_ value: SQLiteValue) -> String {
        switch value {
        case .null: return ""
        case .integer(let number): return String(number)
        case .real(let number): return SQLiteValue.text(number)
        case .blob(let bytes): return SQLiteValue.hex(bytes)
        case .text(let text):
            guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
            var escaped = ""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\n": escaped += "\\n"
                case "\r": escaped += "\\r"
                case "\t": escaped += "\\t"
                case _ where scalar.properties.generalCategory == .control:
                    escaped += "\\u{" + String(scalar.value, radix: 16) + "}"
                default: escaped.unicodeScalars.append(scalar)
                }
            }
            return escaped
        }
    }
}
