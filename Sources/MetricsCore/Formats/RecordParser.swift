/// Turns one line of a call log in any format into its records: the default format through the
/// strict hand-written ``CallLogParser`` (one record per line), a mapped format through the
/// compiled mapping (zero or more records per line).
package struct RecordParser: Sendable {
    /// Exactly one of the two is set; each is called in place (`native!.parse`), so its buffers
    /// stay uniquely referenced and are never copied.
    var native: CallLogParser?
    var scanner: MappedLineScanner?
    package let format: CallLogFormat

    package init(format: CallLogFormat) {
        self.format = format
        if let mapping = format.mapping {
            scanner = MappedLineScanner(mapping: mapping, pricing: format.pricing)
        } else {
            native = CallLogParser()
        }
    }

    package mutating func parse(_ line: [UInt8]) -> [ParsedRecord] {
        var results: [ParsedRecord] = []
        line.withUnsafeBytes { bytes in
            parse(bytes) { results.append(ParsedRecord(index: $0, result: $1)) }
        }
        return results
    }

    /// Calls `emit` with each record of the line, in order, and its index within the line. A
    /// line refused as a whole is one failure with index 0; a valid line whose records were all
    /// skipped (`require`) emits nothing.
    package mutating func parse(
        _ line: UnsafeRawBufferPointer, emit: (Int, Result<CallRecord, LineRejection>) -> Void
    ) {
        if native != nil {
            emit(0, native!.parse(line))
        } else if scanner != nil {
            scanner!.parse(line, emit: emit)
        }
    }
}

extension MappedLineScanner {
    mutating func parse(_ line: UnsafeRawBufferPointer, emit: (Int, Result<CallRecord, LineRejection>) -> Void) {
        guard let base = line.baseAddress, !line.isEmpty else {
            return emit(0, .failure(LineRejection(reason: .emptyLine, detail: "the line is empty")))
        }
        var cursor = CallLogParser.Cursor(base: base, end: line.count)
        cursor.skipWhitespace()
        if cursor.position == cursor.end {
            return emit(0, .failure(LineRejection(reason: .emptyLine, detail: "the line holds only whitespace")))
        }
        guard scan(&cursor) else {
            if cursor.failureReason != .invalidUTF8,
               let offset = UTF8Check.firstInvalidByte(base, count: line.count) {
                return emit(0, .failure(LineRejection(reason: .invalidUTF8, detail: "invalid UTF-8 at byte \(offset)")))
            }
            return emit(0, .failure(cursor.rejection()))
        }
        var index = 0
        for position in records.indices {
            let record = records[position]
            if let require = mapping.requireSlot {
                let found = capture(require, record: record)
                if found.kind == .absent || found.kind == .null { continue }
                if !mapping.requireValues.isEmpty,
                   mapping.requireValues.first(where: { Self.text(of: found, base: base, equals: $0) }) == nil {
                    continue
                }
            }
            emit(index, evaluate(record: record, base: base))
            index &+= 1
        }
    }
}

/// One record of a line: its index within the line (0 for one-record formats) and the record,
/// or why it was refused.
package struct ParsedRecord: Sendable, Equatable {
    package var index: Int
    package var result: Result<CallRecord, LineRejection>

    package init(index: Int, result: Result<CallRecord, LineRejection>) {
        self.index = index
        self.result = result
    }
}

