import MetricsCore

/// Parse only: CallLogParser over every line in memory, one parser for the whole log as in
/// ingest (its string interning is part of the cost).
struct ParseBenchmark {
    func run(_ log: LogImage) -> Measurement {
        var parser = CallLogParser()
        // Folded into the output so the optimizer cannot drop the parse.
        var checksum = 0.0
        let measurement = Measurement.time {
            log.bytes.withUnsafeBytes { raw in
                for line in log.lines {
                    switch parser.parse(UnsafeRawBufferPointer(rebasing: raw[line.start..<line.start + line.count])) {
                    case .success(let record): checksum += record.latencyMs
                    case .failure: checksum += 1
                    }
                }
            }
            return log.lineCount
        }
        precondition(checksum.isFinite, "a parsed latency is not finite")
        return measurement
    }
}
