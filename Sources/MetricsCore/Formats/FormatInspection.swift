#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What `model-exporter inspect` finds when it tries formats on a sample of a log: per format,
/// how many lines it accepts whole, its reject reasons with an example, and per field how often
/// it was found and with which values.
package struct FormatInspection: Sendable {
    /// One sampled line and where it starts in the file.
    package struct SampledLine: Sendable {
        package var offset: Int64
        package var bytes: [UInt8]

        package init(offset: Int64, bytes: [UInt8]) {
            self.offset = offset
            self.bytes = bytes
        }
    }

    /// How one format did on the sample.
    package struct Trial: Sendable {
        package var format: String
        package var lines = 0
        /// Lines whose every record was accepted (and that had at least one record).
        package var acceptedLines = 0
        package var records = 0
        package var acceptedRecords = 0
        /// Reject reason → (count, example line offset, example detail).
        package var rejects: [RejectReason: (count: Int, offset: Int64, detail: String)] = [:]
        package var fields: [String: FieldSummary] = [:]

        package var acceptedShare: Double { lines == 0 ? 0 : Double(acceptedLines) / Double(lines) }

        /// Reasons by count, the most frequent first.
        package var topRejects: [(reason: RejectReason, count: Int, offset: Int64, detail: String)] {
            rejects.map { ($0.key, $0.value.count, $0.value.offset, $0.value.detail) }
                .sorted { $0.count != $1.count ? $0.count > $1.count : $0.reason < $1.reason }
        }
    }

    /// How often a field of the accepted records was found, and its values: the top values of a
    /// label, the range of a number, the counts of a boolean.
    package struct FieldSummary: Sendable {
        package var found = 0
        package var values: [String: Int] = [:]
        package var minimum = Double.infinity
        package var maximum = -Double.infinity

        package var topValues: [(value: String, count: Int)] {
            values.map { ($0.key, $0.value) }.sorted { $0.count != $1.count ? $0.count > $1.count : $0.value < $1.value }
        }

        mutating func add(_ text: String) {
            found += 1
            // Bounded: a high-cardinality field (request ids) keeps only its first 1000 values.
            if values.count < 1000 || values[text] != nil { values[text, default: 0] += 1 }
        }

        mutating func add(_ number: Double) {
            found += 1
            minimum = min(minimum, number)
            maximum = max(maximum, number)
        }
    }

    package var trials: [Trial]

    /// The trial that accepts the most lines; the earlier format wins a tie.
    package var best: Trial? {
        trials.reduce(nil) { best, trial in
            guard let best else { return trial }
            return trial.acceptedLines > best.acceptedLines ? trial : best
        }
    }

    /// The share of sampled lines a format must accept for `inspect` to call it a fit.
    package static let fitThreshold = 0.9

    package init(sample: [SampledLine], formats: [CallLogFormat]) {
        trials = formats.map { Self.trial($0, on: sample) }
    }

    static func trial(_ format: CallLogFormat, on sample: [SampledLine]) -> Trial {
        var parser = RecordParser(format: format)
        var trial = Trial(format: format.name)
        for line in sample {
            trial.lines += 1
            var records = 0, accepted = 0
            line.bytes.withUnsafeBytes { bytes in
                parser.parse(bytes) { _, result in
                    records += 1
                    switch result {
                    case let .success(call):
                        accepted += 1
                        Self.summarise(call, into: &trial.fields)
                    case let .failure(rejection):
                        let previous = trial.rejects[rejection.reason]
                        trial.rejects[rejection.reason] = (
                            (previous?.count ?? 0) + 1, previous?.offset ?? line.offset, previous?.detail ?? rejection.detail
                        )
                    }
                }
            }
            trial.records += records
            trial.acceptedRecords += accepted
            if records > 0, accepted == records { trial.acceptedLines += 1 }
        }
        return trial
    }

    private static func summarise(_ call: CallRecord, into fields: inout [String: FieldSummary]) {
        func text(_ key: String, _ value: String?) { if let value { fields[key, default: .init()].add(value) } }
        func number(_ key: String, _ value: Double?) { if let value { fields[key, default: .init()].add(value) } }
        func flag(_ key: String, _ value: Bool?) { if let value { fields[key, default: .init()].add(value ? "true" : "false") } }
        number("ts", call.timestamp)
        text("request_id", call.requestID)
        text("agent", call.agent)
        text("model", call.model)
        text("variant", call.variant)
        flag("success", call.success)
        flag("fallback", call.fallback)
        text("fallback_model", call.fallbackModel)
        text("error", call.error)
        number("latency_ms", call.latencyMs)
        number("cost_usd", call.costUSD)
        number("input_tokens", call.inputTokens.map(Double.init))
        number("output_tokens", call.outputTokens.map(Double.init))
        flag("stream", call.stream)
        number("ttft_ms", call.ttftMs)
        number("cached_input_tokens", call.cachedInputTokens.map(Double.init))
        number("reasoning_tokens", call.reasoningTokens.map(Double.init))
        flag("cache_hit", call.cacheHit)
    }

    /// The first `count` and the last `count` lines of the file at `path` (each once when the
    /// file is short), read without loading the file: the head by a forward read, the tail from
    /// a block at the end. Lines longer than `maxLineBytes` are cut (they would be `too_long`).
    package static func sample(path: String, count: Int, maxLineBytes: Int = 1 << 20) -> Result<[SampledLine], SampleError> {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            return .failure(SampleError(message: "cannot open \(path): \(String(cString: strerror(errno)))"))
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            return .failure(SampleError(message: "cannot stat \(path): \(String(cString: strerror(errno)))"))
        }
        let size = Int64(info.st_size)
        let head = lines(descriptor, from: 0, upTo: size, limit: count, maxLineBytes: maxLineBytes)
        let headEnd = head.last.map { $0.offset + Int64($0.bytes.count) + 1 } ?? 0
        guard headEnd < size else { return .success(head) }
        // The tail block starts at a line boundary the head has not reached; its first
        // (partial) line is dropped unless the block starts right after the head.
        let blockBytes = Int64(min(maxLineBytes, 1 << 20)) * 4
        let start = max(headEnd, size - blockBytes)
        var tail = lines(descriptor, from: start, upTo: size, limit: Int.max, maxLineBytes: maxLineBytes)
        if start > headEnd, !tail.isEmpty { tail.removeFirst() }
        return .success(head + tail.suffix(count))
    }

    private static func lines(_ descriptor: Int32, from start: Int64, upTo end: Int64, limit: Int,
                              maxLineBytes: Int) -> [SampledLine] {
        var result: [SampledLine] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var current: [UInt8] = []
        var lineStart = start
        var position = start
        while position < end, result.count < limit {
            let want = Int(min(Int64(buffer.count), end - position))
            let got = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, want, off_t(position)) }
            guard got > 0 else { break }
            for index in 0..<got {
                let byte = buffer[index]
                if byte == UInt8(ascii: "\n") {
                    result.append(SampledLine(offset: lineStart, bytes: current))
                    current.removeAll(keepingCapacity: true)
                    lineStart = position + Int64(index) + 1
                    if result.count >= limit { break }
                } else if current.count < maxLineBytes {
                    current.append(byte)
                }
            }
            position += Int64(got)
        }
        // A last line without its newline is still being written: not sampled, as the tailer
        // would not read it yet either.
        return result
    }

    package struct SampleError: Error, Sendable, CustomStringConvertible {
        package var message: String
        package var description: String { message }
    }
}
