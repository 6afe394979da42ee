/// Turns one line of a call log in any format into its records: the default format through the
/// strict hand-written ``CallLogParser`` (one record per line), a mapped format through the
/// compiled mapping (zero or more records per line).
public struct RecordParser: Sendable {
    /// Exactly one of the two is set. Each is taken out of `self` while it works, so that its
    /// buffers are uniquely referenced and mutate in place instead of being copied.
    var native: CallLogParser?
    var scanner: MappedLineScanner?
    var interner = StringInterner()
    public let format: CallLogFormat

    public init(format: CallLogFormat) {
        self.format = format
        if let mapping = format.mapping {
            scanner = MappedLineScanner(mapping: mapping)
        } else {
            native = CallLogParser()
        }
    }

    public mutating func parse(_ line: [UInt8]) -> [ParsedRecord] {
        var results: [ParsedRecord] = []
        line.withUnsafeBytes { bytes in
            parse(bytes) { results.append(ParsedRecord(index: $0, result: $1)) }
        }
        return results
    }

    /// Calls `emit` with each record of the line, in order, and its index within the line. A
    /// line refused as a whole is one failure with index 0; a valid line whose records were all
    /// skipped (`require`) emits nothing.
    public mutating func parse(
        _ line: UnsafeRawBufferPointer, emit: (Int, Result<CallRecord, LineRejection>) -> Void
    ) {
        if var parser = native {
            native = nil
            emit(0, parser.parse(line))
            native = parser
            return
        }
        guard var scanner else { return }
        self.scanner = nil
        parseMapped(line, scanner: &scanner, emit: emit)
        self.scanner = scanner
    }

    private mutating func parseMapped(
        _ line: UnsafeRawBufferPointer, scanner: inout MappedLineScanner,
        emit: (Int, Result<CallRecord, LineRejection>) -> Void
    ) {
        guard let base = line.baseAddress, !line.isEmpty else {
            return emit(0, .failure(LineRejection(reason: .emptyLine, detail: "the line is empty")))
        }
        var cursor = CallLogParser.Cursor(base: base, end: line.count)
        cursor.skipWhitespace()
        if cursor.position == cursor.end {
            return emit(0, .failure(LineRejection(reason: .emptyLine, detail: "the line holds only whitespace")))
        }
        guard scanner.scan(&cursor) else {
            if cursor.failureReason != .invalidUTF8,
               let offset = UTF8Check.firstInvalidByte(base, count: line.count) {
                return emit(0, .failure(LineRejection(reason: .invalidUTF8, detail: "invalid UTF-8 at byte \(offset)")))
            }
            return emit(0, .failure(cursor.rejection()))
        }
        var index = 0
        for record in scanner.records {
            if let require = scanner.mapping.requireSlot {
                let found = scanner.capture(require, record: record).kind
                if found == .absent || found == .null { continue }
            }
            emit(index, evaluate(record: record, of: scanner, base: base))
            index &+= 1
        }
    }
}

/// One record of a line: its index within the line (0 for one-record formats) and the record,
/// or why it was refused.
public struct ParsedRecord: Sendable, Equatable {
    public var index: Int
    public var result: Result<CallRecord, LineRejection>

    public init(index: Int, result: Result<CallRecord, LineRejection>) {
        self.index = index
        self.result = result
    }
}

