// Over 400 lines on purpose: the independent reading of the input contract is one piece (every
// field's rule beside the others, as the contract is written), kept apart from the product's code.
import Foundation
import Glibc

/// What the exporter must report for a call log, worked out without any of its code: each
/// line is judged with Foundation's `JSONSerialization` against the input contract and the
/// accepted ones are summed per series. Tests compare the exporter's database and `/metrics`
/// with this, so a bug in the product's parser or aggregation cannot hide behind itself.
///
/// The contract, as applied here: one JSON object per line; required `ts` (RFC 3339 string or
/// epoch seconds ≥ 0), `agent` and `model` (non-empty strings), `success` (a JSON boolean, not
/// 1/0), `latency_ms` (a number ≥ 0); optional `request_id`, `variant` (default `baseline`),
/// `fallback` (boolean), `fallback_model`, `error` (strings or null), `cost_usd` (number ≥ 0),
/// `input_tokens` and `output_tokens` (integers ≥ 0); `stream` and `cache_hit` (booleans),
/// `ttft_ms` (number ≥ 0), `cached_input_tokens` and `reasoning_tokens` (integers ≥ 0). When a line breaks several rules, the
/// reason is the first of: empty line, invalid UTF-8, invalid JSON, the first bad field in
/// the order above (a type problem before a value problem), missing fields.
struct GroundTruth {
    struct SeriesKey: Hashable, Comparable, CustomStringConvertible {
        var agent: String
        var model: String
        var variant: String

        static func < (a: SeriesKey, b: SeriesKey) -> Bool {
            (a.agent, a.model, a.variant) < (b.agent, b.model, b.variant)
        }

        var labels: [String: String] { ["agent": agent, "model": model, "variant": variant] }
        var description: String { "{agent=\(agent.debugDescription), model=\(model), variant=\(variant)}" }
    }

    /// One accepted line, as the contract defines its fields.
    struct Call {
        var timestamp: Double
        var agent: String
        var model: String
        var variant: String
        var success: Bool
        var fallback: Bool
        var fallbackModel: String?
        var error: String?
        var latencyMs: Double
        var costUSD: Double
        var inputTokens: Int64
        var outputTokens: Int64
        var stream = false
        var cacheHit = false
        var ttftMs: Double?
        var cachedInputTokens: Int64 = 0
        var reasoningTokens: Int64 = 0
    }

    struct Totals {
        var success = 0
        var error = 0
        var errorsByType: [String: Int] = [:]
        var fallbacksByModel: [String: Int] = [:]
        var costUSD = 0.0
        var inputTokens: Int64 = 0
        var outputTokens: Int64 = 0
        /// Per bucket, not cumulative; the last is +Inf.
        var buckets = [Int](repeating: 0, count: GroundTruth.latencyBounds.count + 1)
        var latencySumSeconds = 0.0
        var lastTimestamp = 0.0
        var cachedInputTokens: Int64 = 0
        var reasoningTokens: Int64 = 0
        var cacheHits = 0
        var ttftBuckets = [Int](repeating: 0, count: GroundTruth.ttftBounds.count + 1)
        var ttftSumSeconds = 0.0
        var tpotBuckets = [Int](repeating: 0, count: GroundTruth.tpotBounds.count + 1)
        var tpotSumSeconds = 0.0
        var count: Int { success + error }
    }

    enum Verdict {
        case accepted(Call)
        case rejected(reason: String)
    }

    /// The default `--metrics.latency-buckets`, restated here rather than read from the product,
    /// so that a change of the default shows up as a failing comparison.
    static let latencyBounds: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 7.5, 10, 15, 30, 60]
    /// The time-to-first-token and time-per-output-token buckets (README, "What it exports").
    static let ttftBounds: [Double] = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
    static let tpotBounds: [Double] = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5]

    private(set) var series: [SeriesKey: Totals] = [:]
    /// Byte offsets of the accepted and rejected lines, ascending.
    private(set) var acceptedOffsets: [Int64] = []
    private(set) var rejectedOffsets: [Int64] = []
    private(set) var rejectedByReason: [String: Int] = [:]
    /// Bytes up to and including the last newline: all the exporter may consume. An unfinished
    /// last line is not a line yet.
    private(set) var completeBytes: Int64 = 0

    var acceptedLines: Int { acceptedOffsets.count }
    var rejectedLines: Int { rejectedOffsets.count }

    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ExporterProcessError("ground truth: cannot read \(path)")
        }
        self.init(bytes: [UInt8](data))
    }

    init(bytes: [UInt8]) {
        // memchr rather than `firstIndex(of:)`: the test target is built without optimisation,
        // where the generic search alone costs seconds on a 60 MB log.
        let newlines: [Int] = bytes.withUnsafeBufferPointer { buffer in
            var found: [Int] = []
            guard let base = buffer.baseAddress else { return found }
            var position = 0
            while position < buffer.count, let hit = memchr(base + position, 0x0A, buffer.count - position) {
                let index = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                found.append(index)
                position = index + 1
            }
            return found
        }
        var start = 0
        for newline in newlines {
            let offset = Int64(start)
            switch Self.judge(bytes[start..<newline]) {
            case .accepted(let call):
                acceptedOffsets.append(offset)
                add(call)
            case .rejected(let reason):
                rejectedOffsets.append(offset)
                rejectedByReason[reason, default: 0] += 1
            }
            start = newline + 1
        }
        completeBytes = Int64(start)
    }

    private mutating func add(_ call: Call) {
        let key = SeriesKey(agent: call.agent, model: call.model, variant: call.variant)
        var totals = series[key] ?? Totals()
        if call.success { totals.success += 1 } else { totals.error += 1 }
        if let error = call.error { totals.errorsByType[error, default: 0] += 1 }
        if call.fallback { totals.fallbacksByModel[call.fallbackModel ?? "", default: 0] += 1 }
        totals.costUSD += call.costUSD
        totals.inputTokens += call.inputTokens
        totals.outputTokens += call.outputTokens
        let seconds = call.latencyMs / 1000
        totals.buckets[Self.latencyBounds.firstIndex { seconds <= $0 } ?? Self.latencyBounds.count] += 1
        totals.latencySumSeconds += seconds
        totals.lastTimestamp = max(totals.lastTimestamp, call.timestamp)
        totals.cachedInputTokens += call.cachedInputTokens
        totals.reasoningTokens += call.reasoningTokens
        if call.cacheHit { totals.cacheHits += 1 }
        if call.stream, let ttftMs = call.ttftMs {
            let ttft = ttftMs / 1000
            totals.ttftBuckets[Self.ttftBounds.firstIndex { ttft <= $0 } ?? Self.ttftBounds.count] += 1
            totals.ttftSumSeconds += ttft
            if call.outputTokens >= 2 {
                let perToken = max(0, call.latencyMs - ttftMs) / 1000 / Double(call.outputTokens - 1)
                totals.tpotBuckets[Self.tpotBounds.firstIndex { perToken <= $0 } ?? Self.tpotBounds.count] += 1
                totals.tpotSumSeconds += perToken
            }
        }
        series[key] = totals
    }

    /// Lines accepted (or rejected) that start before `offset`: what a database committed up
    /// to a read position must hold.
    func acceptedLines(before offset: Int64) -> Int { Self.count(acceptedOffsets, below: offset) }
    func rejectedLines(before offset: Int64) -> Int { Self.count(rejectedOffsets, below: offset) }

    private static func count(_ sorted: [Int64], below limit: Int64) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < limit { low = middle + 1 } else { high = middle }
        }
        return low
    }

    // MARK: Judging a line

    static func judge(_ line: ArraySlice<UInt8>) -> Verdict {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }) { return .rejected(reason: "empty_line") }
        guard String(validating: line, as: UTF8.self) != nil else { return .rejected(reason: "invalid_utf8") }
        guard let object = try? JSONSerialization.jsonObject(with: Data(line), options: []),
              let fields = object as? [String: Any]
        else { return .rejected(reason: "invalid_json") }

        var missing = false
        func value(_ key: String) -> JSONValue? {
            guard let raw = fields[key] else { return nil }
            return JSONValue(raw)
        }

        // ts
        var timestamp = 0.0
        switch value("ts") {
        case nil: missing = true
        case .string(let text)?:
            guard let seconds = rfc3339Seconds(text) else { return .rejected(reason: "invalid_timestamp") }
            timestamp = seconds
        case .number(let number)?:
            guard number.isFinite, number >= 0 else { return .rejected(reason: "invalid_value") }
            timestamp = number
        default: return .rejected(reason: "wrong_type")
        }
        // request_id
        switch value("request_id") {
        case nil, .null?, .string?: break
        default: return .rejected(reason: "wrong_type")
        }
        // agent, model
        var names: [String] = []
        for key in ["agent", "model"] {
            switch value(key) {
            case nil: missing = true
            case .string(let text)?:
                guard !text.isEmpty else { return .rejected(reason: "invalid_value") }
                names.append(text)
            default: return .rejected(reason: "wrong_type")
            }
        }
        // variant
        var variant = "baseline"
        switch value("variant") {
        case nil, .null?: break
        case .string(let text)?: variant = text
        default: return .rejected(reason: "wrong_type")
        }
        // success
        var success = false
        switch value("success") {
        case nil: missing = true
        case .bool(let flag)?: success = flag
        default: return .rejected(reason: "wrong_type")
        }
        // fallback
        var fallback = false
        switch value("fallback") {
        case nil, .null?: break
        case .bool(let flag)?: fallback = flag
        default: return .rejected(reason: "wrong_type")
        }
        // fallback_model, error
        var optionalStrings: [String?] = []
        for key in ["fallback_model", "error"] {
            switch value(key) {
            case nil, .null?: optionalStrings.append(nil)
            case .string(let text)?: optionalStrings.append(text)
            default: return .rejected(reason: "wrong_type")
            }
        }
        // latency_ms, cost_usd
        var amounts: [Double] = []
        for key in ["latency_ms", "cost_usd"] {
            switch value(key) {
            case nil:
                if key == "latency_ms" { missing = true }
                amounts.append(0)
            case .null? where key == "cost_usd": amounts.append(0)
            case .number(let number)?:
                guard number.isFinite, number >= 0 else { return .rejected(reason: "invalid_value") }
                amounts.append(number)
            default: return .rejected(reason: "wrong_type")
            }
        }
        // input_tokens, output_tokens
        var tokens: [Int64] = []
        for key in ["input_tokens", "output_tokens"] {
            switch value(key) {
            case nil, .null?: tokens.append(0)
            case .number(let number)?:
                guard number == number.rounded() else { return .rejected(reason: "wrong_type") }
                guard number >= 0, number < 9.2e18 else { return .rejected(reason: "invalid_value") }
                tokens.append(Int64(number))
            default: return .rejected(reason: "wrong_type")
            }
        }
        // stream, ttft_ms, cached_input_tokens, reasoning_tokens, cache_hit
        var flags: [Bool] = []
        for key in ["stream", "cache_hit"] {
            switch value(key) {
            case nil, .null?: flags.append(false)
            case .bool(let flag)?: flags.append(flag)
            default: return .rejected(reason: "wrong_type")
            }
        }
        var ttftMs: Double?
        switch value("ttft_ms") {
        case nil, .null?: break
        case .number(let number)?:
            guard number.isFinite, number >= 0 else { return .rejected(reason: "invalid_value") }
            ttftMs = number
        default: return .rejected(reason: "wrong_type")
        }
        for key in ["cached_input_tokens", "reasoning_tokens"] {
            switch value(key) {
            case nil, .null?: tokens.append(0)
            case .number(let number)?:
                guard number == number.rounded() else { return .rejected(reason: "wrong_type") }
                guard number >= 0, number < 9.2e18 else { return .rejected(reason: "invalid_value") }
                tokens.append(Int64(number))
            default: return .rejected(reason: "wrong_type")
            }
        }
        if missing { return .rejected(reason: "missing_field") }
        return .accepted(Call(
            timestamp: timestamp, agent: names[0], model: names[1], variant: variant, success: success,
            fallback: fallback, fallbackModel: optionalStrings[0], error: optionalStrings[1],
            latencyMs: amounts[0], costUSD: amounts[1], inputTokens: tokens[0], outputTokens: tokens[1],
            stream: flags[0], cacheHit: flags[1], ttftMs: ttftMs, cachedInputTokens: tokens[2], reasoningTokens: tokens[3]))
    }

    /// A JSON value as `JSONSerialization` returns it, with booleans told apart from numbers.
    enum JSONValue {
        case string(String), number(Double), bool(Bool), null, other

        init(_ raw: Any) {
            if raw is NSNull {
                self = .null
            } else if let text = raw as? String {
                self = .string(text)
            } else if let number = raw as? NSNumber {
                // `as? Bool` cannot tell them apart: on Linux `NSNumber(1) as? Bool` is `true`.
                // JSONSerialization makes `true`/`false` the boolean NSNumber, whose objCType
                // is "c"; numbers of a JSON text come out as "q", "Q" or "d", never "c".
                self = String(cString: number.objCType) == "c" ? .bool(number.boolValue) : .number(number.doubleValue)
            } else {
                self = .other
            }
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` as epoch seconds, or nil. Written out by hand
    /// (not Foundation's ISO 8601 formatter, which is lenient about several of these).
    static func rfc3339Seconds(_ text: String) -> Double? {
        let b = Array(text.utf8)
        func digits(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= b.count else { return nil }
            var value = 0
            for byte in b[start..<(start + count)] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        func byte(_ i: Int) -> UInt8? { i < b.count ? b[i] : nil }
        guard let year = digits(0, 4), byte(4) == UInt8(ascii: "-"), let month = digits(5, 2), byte(7) == UInt8(ascii: "-"),
              let day = digits(8, 2), let t = byte(10), t == UInt8(ascii: "T") || t == UInt8(ascii: "t") || t == UInt8(ascii: " "),
              let hour = digits(11, 2), byte(13) == UInt8(ascii: ":"), let minute = digits(14, 2), byte(16) == UInt8(ascii: ":"),
              let second = digits(17, 2)
        else { return nil }
        var i = 19
        var fraction = 0.0
        if byte(i) == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            let start = i
            while let d = byte(i), (0x30...0x39).contains(d) {
                fraction += Double(d - 0x30) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        var offsetSeconds = 0
        switch byte(i) {
        case UInt8(ascii: "Z")?, UInt8(ascii: "z")?:
            i += 1
        case let sign? where sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"):
            guard let oh = digits(i + 1, 2), byte(i + 3) == UInt8(ascii: ":"), let om = digits(i + 4, 2), oh < 24, om < 60 else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (sign == UInt8(ascii: "+") ? 1 : -1)
            i += 6
        default:
            return nil
        }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard i == b.count, (1...12).contains(month), (1...monthDays[month - 1]).contains(day),
              hour < 24, minute < 60, second < 60
        else { return nil }
        // Days since 1970-01-01 (the civil-from-days inverse, proleptic Gregorian).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Double(days * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds) + fraction
    }

    // MARK: Comparing with /metrics

    /// Every way the exposition differs from the truth: each model series' counters and
    /// histogram, no model series the log does not have, and the exporter's line counters.
    /// Cost and latency sums are compared with a relative tolerance of 1e-9 (the order of
    /// floating-point additions is not part of the contract), timestamps to the millisecond.
    ///
    /// `knownErrorTypes` are the classes the exporter writes at zero for every series (its
    /// default `--metrics.known-error-types` unless the test changed it).
    func mismatches(in exposition: ExpositionSamples,
                    knownErrorTypes: [String] = ["timeout", "rate_limited", "server_error", "context_length_exceeded"]) -> [String] {
        var expected: [ExpositionSamples.ID: (value: Double, tolerance: Tolerance)] = [:]
        func expect(_ name: String, _ labels: [String: String], _ value: Double, _ tolerance: Tolerance = .exact) {
            expected[ExpositionSamples.ID(name: name, labels: labels)] = (value, tolerance)
        }
        for (key, totals) in series {
            let labels = key.labels
            expect("model_requests_total", labels.merging(["outcome": "success"]) { $1 }, Double(totals.success))
            expect("model_requests_total", labels.merging(["outcome": "error"]) { $1 }, Double(totals.error))
            for type in knownErrorTypes where totals.errorsByType[type] == nil {
                expect("model_errors_total", labels.merging(["error_type": type]) { $1 }, 0)
            }
            for (type, count) in totals.errorsByType {
                expect("model_errors_total", labels.merging(["error_type": type]) { $1 }, Double(count))
            }
            for (model, count) in totals.fallbacksByModel {
                expect("model_fallbacks_total", labels.merging(["fallback_model": model]) { $1 }, Double(count))
            }
            expect("model_cost_usd_total", labels, totals.costUSD, .relative(1e-9))
            expect("model_tokens_total", labels.merging(["direction": "input"]) { $1 }, Double(totals.inputTokens))
            expect("model_tokens_total", labels.merging(["direction": "output"]) { $1 }, Double(totals.outputTokens))
            expect("model_tokens_total", labels.merging(["direction": "cached_input"]) { $1 }, Double(totals.cachedInputTokens))
            expect("model_tokens_total", labels.merging(["direction": "reasoning"]) { $1 }, Double(totals.reasoningTokens))
            expect("model_cache_hits_total", labels, Double(totals.cacheHits))
            let streamed = totals.ttftBuckets.reduce(0, +)
            if streamed > 0 {
                for (name, bounds, counts, sum) in [
                    ("model_time_to_first_token_seconds", Self.ttftBounds, totals.ttftBuckets, totals.ttftSumSeconds),
                    ("model_time_per_output_token_seconds", Self.tpotBounds, totals.tpotBuckets, totals.tpotSumSeconds),
                ] {
                    var running = 0
                    for (i, bound) in (bounds.map(Self.boundLabel) + ["+Inf"]).enumerated() {
                        running += counts[i]
                        expect(name + "_bucket", labels.merging(["le": bound]) { $1 }, Double(running))
                    }
                    expect(name + "_count", labels, Double(running))
                    expect(name + "_sum", labels, sum, .relative(1e-9))
                }
            }
            var cumulative = 0
            for (i, bound) in (Self.latencyBounds.map(Self.boundLabel) + ["+Inf"]).enumerated() {
                cumulative += totals.buckets[i]
                expect("model_request_duration_seconds_bucket", labels.merging(["le": bound]) { $1 }, Double(cumulative))
            }
            expect("model_request_duration_seconds_count", labels, Double(totals.count))
            expect("model_request_duration_seconds_sum", labels, totals.latencySumSeconds, .relative(1e-9))
            expect("model_last_request_timestamp_seconds", labels, totals.lastTimestamp, .absolute(1e-3))
        }
        var problems: [String] = []
        for (id, want) in expected.sorted(by: { $0.key.description < $1.key.description }) {
            guard let got = exposition.values[id] else {
                problems.append("missing \(id) (want \(want.value))")
                continue
            }
            if !want.tolerance.accepts(got, want.value) { problems.append("\(id) = \(got), want \(want.value)") }
        }
        for id in exposition.order where id.name.hasPrefix("model_") && !id.name.hasPrefix("model_exporter_") && expected[id] == nil {
            problems.append("unexpected sample \(id) = \(exposition.values[id]!)")
        }

        let accepted = exposition.value("model_exporter_accepted_lines_total")
        if accepted != Double(acceptedLines) { problems.append("model_exporter_accepted_lines_total = \(accepted.map { "\($0)" } ?? "absent"), want \(acceptedLines)") }
        var rejectedTotal = 0.0
        for (id, value) in exposition.values where id.name == "model_exporter_rejected_lines_total" {
            rejectedTotal += value
            let want = Double(rejectedByReason[id.labels["reason"] ?? ""] ?? 0)
            if value != want { problems.append("\(id) = \(value), want \(want)") }
        }
        for (reason, count) in rejectedByReason where exposition.value("model_exporter_rejected_lines_total", ["reason": reason]) == nil {
            problems.append("missing model_exporter_rejected_lines_total{reason=\"\(reason)\"} (want \(count))")
        }
        if rejectedTotal != Double(rejectedLines) { problems.append("rejected lines in all: \(rejectedTotal), want \(rejectedLines)") }
        let readBytes = exposition.value("model_exporter_calllog_read_bytes_total")
        if readBytes != Double(completeBytes) { problems.append("model_exporter_calllog_read_bytes_total = \(readBytes.map { "\($0)" } ?? "absent"), want \(completeBytes)") }
        return problems
    }

    /// `le` values as the text format writes them: `1` not `1.0`, `0.05` as is.
    static func boundLabel(_ bound: Double) -> String {
        bound == bound.rounded() ? String(Int(bound)) : "\(bound)"
    }

    enum Tolerance {
        case exact, relative(Double), absolute(Double)

        func accepts(_ got: Double, _ want: Double) -> Bool {
            switch self {
            case .exact: got == want
            case .relative(let r): got == want || abs(got - want) <= r * max(abs(got), abs(want))
            case .absolute(let a): abs(got - want) <= a
            }
        }
    }
}

/// The samples of a Prometheus text exposition (format 0.0.4), read independently of the
/// exporter's writer: label values unescaped (`\\`, `\"`, `\n`), `+Inf`/`NaN` understood.
/// Lives beside `GroundTruth` because comparing with it is what it is for.
struct ExpositionSamples {
    struct ID: Hashable, CustomStringConvertible {
        var name: String
        var labels: [String: String]

        var description: String {
            let pairs = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.debugDescription)" }
            return pairs.isEmpty ? name : name + "{" + pairs.joined(separator: ",") + "}"
        }
    }

    private(set) var values: [ID: Double] = [:]
    /// In the order of the text.
    private(set) var order: [ID] = []

    init(_ text: String) throws {
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() where !line.hasPrefix("#") {
            let id: ID
            let rest: Substring
            do {
                (id, rest) = try Self.parseSeries(line)
            } catch {
                throw ExporterProcessError("exposition line \(number + 1) \(String(line).debugDescription): \(error)")
            }
            let valueText = rest.split(separator: " ").first.map(String.init) ?? ""
            guard let value = Self.number(valueText) else {
                throw ExporterProcessError("exposition line \(number + 1) \(String(line).debugDescription): bad value")
            }
            guard values[id] == nil else { throw ExporterProcessError("exposition: \(id) appears twice") }
            values[id] = value
            order.append(id)
        }
    }

    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        values[ID(name: name, labels: labels)]
    }

    /// Samples of one metric name.
    func samples(_ name: String) -> [(labels: [String: String], value: Double)] {
        order.filter { $0.name == name }.map { ($0.labels, values[$0]!) }
    }

    private static func number(_ text: String) -> Double? {
        switch text {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: Double(text)
        }
    }

    private static func parseSeries(_ line: Substring) throws -> (ID, Substring) {
        let chars = Array(line)
        var i = 0
        while i < chars.count, chars[i] != "{", chars[i] != " " { i += 1 }
        let name = String(chars[0..<i])
        var labels: [String: String] = [:]
        if i < chars.count, chars[i] == "{" {
            i += 1
            while i < chars.count, chars[i] != "}" {
                let keyStart = i
                while i < chars.count, chars[i] != "=" { i += 1 }
                let key = String(chars[keyStart..<i])
                guard i + 1 < chars.count, chars[i + 1] == "\"" else { throw ExporterProcessError("label \(key): no opening quote") }
                i += 2
                var value = ""
                while true {
                    guard i < chars.count else { throw ExporterProcessError("label \(key): no closing quote") }
                    let c = chars[i]
                    if c == "\"" { break }
                    if c == "\\" {
                        guard i + 1 < chars.count else { throw ExporterProcessError("label \(key): dangling backslash") }
                        switch chars[i + 1] {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: throw ExporterProcessError("label \(key): bad escape \\\(chars[i + 1])")
                        }
                        i += 2
                    } else {
                        value.append(c)
                        i += 1
                    }
                }
                i += 1
                guard labels[key] == nil else { throw ExporterProcessError("label \(key) twice") }
                labels[key] = value
                if i < chars.count, chars[i] == "," { i += 1 }
            }
            guard i < chars.count else { throw ExporterProcessError("no closing brace") }
            i += 1
        }
        guard i < chars.count, chars[i] == " " else { throw ExporterProcessError("no space before the value") }
        return (ID(name: name, labels: labels), Substring(String(chars[(i + 1)...])))
    }
}
