import MetricsCore

/// The accepted records of a log with the byte offset of each line: the input of every
/// measure after parsing, made once and untimed.
struct ParsedLog {
    var records: [CallRecord] = []
    var offsets: [Int64] = []

    init(_ log: LogImage) {
        var parser = CallLogParser()
        records.reserveCapacity(log.lineCount)
        offsets.reserveCapacity(log.lineCount)
        log.bytes.withUnsafeBytes { raw in
            for line in log.lines {
                if case .success(let record) = parser.parse(UnsafeRawBufferPointer(rebasing: raw[line.start..<line.start + line.count])) {
                    records.append(record)
                    offsets.append(Int64(line.start))
                }
            }
        }
    }
}
