// Over 400 lines on purpose: the oracle, the mutations and the generated lines are one
// differential harness; apart, each part would be read without the others it is checked against.
import Foundation
import Testing
@testable import MetricsCore

/// The parser against Foundation's `JSONSerialization` (no `.fragmentsAllowed`) as an
/// independent oracle, on generated lines and on hostile mutations of them:
/// - Foundation refuses the bytes: the parser must refuse them too, for a syntax reason
///   (`invalid_json`, `invalid_utf8`, `empty_line`), and for `invalid_utf8` exactly when the
///   bytes are not UTF-8.
/// - Foundation returns an object that meets the contract: the parser must accept it with the
///   same values (doubles bit for bit, strings byte for byte).
/// - Foundation returns an object that breaks the contract: the parser must refuse it for a
///   field reason.
///
/// Where Foundation and the contract part ways the case is named, counted and checked
/// separately rather than skipped silently:
/// - Foundation accepts a trailing comma in objects and arrays (`{"a":1,}`); the parser refuses
///   it as `invalid_json`. Confirmed per line by removing such commas and seeing the parser's
///   objection go away.
/// - Foundation skips a raw U+FEFF (bytes EF BB BF) at the start of the line, and drops it from
///   a string or key when it comes first or right after an escape (`"\u0061\u{FEFF}b"` reads
///   as `ab`); the parser refuses the first as `invalid_json` and keeps the second as written.
///   Lines holding those bytes are only checked for Foundation's refusals.
/// - Foundation refuses numbers that overflow a double (`1e400`) as invalid JSON; the contract
///   makes that `invalid_value` for a known field and skips it in an unknown key.
/// - Foundation turns long numbers into `NSDecimalNumber`, whose `doubleValue` is not correctly
///   rounded (`0.30000000000000004441` is off by one unit); its exact `stringValue` read by
///   Swift's correctly rounded `Double(_:)` is used instead.
/// - Foundation gives `-0` as the integer 0 and `-0.0` as a negative zero; the parser stores
///   both as `+0`, so expected values are normalised the same way.
/// - A token count that Foundation hands over as an already-rounded double
///   (`1234567890123.0001` becomes an integral double) can be integral to Foundation and not to
///   the contract; the parser's `wrong_type` is then accepted and counted. The generator never
///   writes such numbers, so this may only happen on mutated lines.
/// - Foundation allows nesting to 512 levels, the parser to 64: the generator stays far below.
@Suite struct CallLogParserDifferentialTests {
    typealias SplitMix64 = CallLogParserTests.SplitMix64

    struct Tally {
        var accepted = 0
        var contractViolations = 0
        var notJSON = 0
        var trailingComma = 0
        var byteOrderMark = 0
        var overflowingNumber = 0
        var roundedTokenCount = 0
    }

    @Test func agreesWithFoundationOnGeneratedLines() {
        var generator = LineGenerator(seed: 20_251_127)
        var parser = CallLogParser()
        var tally = Tally()
        for _ in 0..<12_000 {
            let line = Array(generator.line().utf8)
            Self.compare(line, parser: &parser, tally: &tally)
        }
        // The generator writes only valid JSON, both inside and outside the contract, and never
        // a token count that Foundation would round.
        #expect(tally.accepted > 3000)
        #expect(tally.contractViolations > 1000)
        #expect(tally.notJSON == 0)
        #expect(tally.roundedTokenCount == 0)
    }

    @Test func agreesWithFoundationOnHostileLines() {
        var generator = LineGenerator(seed: 0xBAD_5EED)
        var parser = CallLogParser()
        var tally = Tally()
        for _ in 0..<12_000 {
            var line = Array(generator.line().utf8)
            generator.mutate(&line)
            Self.compare(line, parser: &parser, tally: &tally)
        }
        #expect(tally.accepted > 500)
        #expect(tally.notJSON > 3000)
        #expect(tally.roundedTokenCount < 12)
    }

    @Test func foundationQuirksAreRefusedByTheParser() {
        var tooDeep = "1"
        for _ in 0..<100 { tooDeep = "[" + tooDeep + "]" }
        let base = CallLogParserTests.minimalLine
        let lines = [
            base.dropLast() + ",}",
            "\u{FEFF}" + base,
            base.dropLast() + #","tags":[1,2,]}"#,
            base.dropLast() + #","deep":\#(tooDeep)}"#,
        ]
        for line in lines {
            let bytes = Array(line.utf8)
            #expect((try? JSONSerialization.jsonObject(with: Data(bytes))) is [String: Any], "\(line)")
            #expect(CallLogParserTests.reason(bytes) == .invalidJSON, "\(line)")
        }
    }

    // MARK: - Oracle

    static func compare(_ line: [UInt8], parser: inout CallLogParser, tally: inout Tally) {
        let result = parser.parse(line)
        let isUTF8 = String(validating: line, as: UTF8.self) != nil
        if case let .failure(rejection) = result {
            #expect((rejection.reason == .invalidUTF8) == !isUTF8, "\(show(line)): \(rejection.detail)")
        }

        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(line), options: [])
        } catch {
            if "\(error)".contains("not representable") {
                tally.overflowingNumber += 1
                return
            }
            tally.notJSON += 1
            switch result {
            case let .success(record):
                Issue.record("Foundation refused \(show(line)) (\(error)), the parser accepted \(record)")
            case let .failure(rejection):
                #expect([.invalidJSON, .invalidUTF8, .emptyLine].contains(rejection.reason), "\(show(line)): \(rejection.detail)")
            }
            return
        }

        if line.indices.contains(where: { line[$0...].starts(with: [0xEF, 0xBB, 0xBF]) }) {
            tally.byteOrderMark += 1
            return
        }
        if case let .failure(rejection) = result, rejection.reason == .invalidJSON, isTrailingCommaQuirk(line) {
            tally.trailingComma += 1
            return
        }
        guard let dictionary = object as? [String: Any] else {
            tally.notJSON += 1
            #expect(failureReason(result) == .invalidJSON, "\(show(line)) is not an object")
            return
        }

        switch expectedRecord(dictionary) {
        case let .violation(why):
            tally.contractViolations += 1
            switch result {
            case let .success(record):
                Issue.record("\(show(line)) breaks the contract (\(why)), the parser accepted \(record)")
            case let .failure(rejection):
                #expect(
                    [.wrongType, .invalidValue, .invalidTimestamp, .missingField].contains(rejection.reason),
                    "\(show(line)) (\(why)): \(rejection.detail)"
                )
            }
        case let .record(expected, roundedTokens):
            switch result {
            case let .success(record):
                tally.accepted += 1
                expectIdentical(record, expected, line)
            case let .failure(rejection):
                if roundedTokens, rejection.reason == .wrongType,
                   rejection.detail.contains("_tokens\" must be an integer") {
                    tally.roundedTokenCount += 1
                } else {
                    Issue.record("\(show(line)) meets the contract as \(expected), the parser refused: \(rejection.detail)")
                }
            }
        }
    }

    static func failureReason(_ result: Result<CallRecord, LineRejection>) -> RejectReason? {
        guard case let .failure(rejection) = result else { return nil }
        return rejection.reason
    }

    static func show(_ line: [UInt8]) -> String {
        String(decoding: line, as: UTF8.self).debugDescription
    }

    static func expectIdentical(_ record: CallRecord, _ expected: CallRecord, _ line: [UInt8]) {
        let context = Comment(rawValue: show(line))
        #expect(record.timestamp.bitPattern == expected.timestamp.bitPattern, context)
        #expect(record.latencyMs.bitPattern == expected.latencyMs.bitPattern, context)
        #expect(record.costUSD.bitPattern == expected.costUSD.bitPattern, context)
        #expect(bytes(record.requestID) == bytes(expected.requestID), context)
        #expect(bytes(record.agent) == bytes(expected.agent), context)
        #expect(bytes(record.model) == bytes(expected.model), context)
        #expect(bytes(record.variant) == bytes(expected.variant), context)
        #expect(bytes(record.fallbackModel) == bytes(expected.fallbackModel), context)
        #expect(bytes(record.error) == bytes(expected.error), context)
        #expect(record.success == expected.success, context)
        #expect(record.fallback == expected.fallback, context)
        #expect(record.inputTokens == expected.inputTokens, context)
        #expect(record.outputTokens == expected.outputTokens, context)
        #expect(record.stream == expected.stream, context)
        #expect(record.ttftMs?.bitPattern == expected.ttftMs?.bitPattern, context)
        #expect(record.cachedInputTokens == expected.cachedInputTokens, context)
        #expect(record.reasoningTokens == expected.reasoningTokens, context)
        #expect(record.cacheHit == expected.cacheHit, context)
    }

    /// Byte-wise, because `String ==` treats canonically equivalent text as equal.
    static func bytes(_ string: String?) -> [UInt8]? {
        string.map { Array($0.utf8) }
    }

    /// True when dropping every comma that closes a container makes the parser stop objecting
    /// to the syntax.
    static func isTrailingCommaQuirk(_ line: [UInt8]) -> Bool {
        var repaired = line
        var index = repaired.count - 1
        while index >= 0 {
            if repaired[index] == UInt8(ascii: ",") {
                var next = index + 1
                while next < repaired.count, [0x20, 0x09, 0x0A, 0x0D].contains(repaired[next]) { next += 1 }
                if next < repaired.count, repaired[next] == UInt8(ascii: "}") || repaired[next] == UInt8(ascii: "]") {
                    repaired.remove(at: index)
                }
            }
            index -= 1
        }
        return repaired != line && CallLogParserTests.reason(repaired) != .invalidJSON
    }

    enum Expectation {
        /// `roundedTokens`: a token count came as an integral double (see the type comment).
        case record(CallRecord, roundedTokens: Bool)
        case violation(String)
    }

    /// What the contract makes of Foundation's reading of the line.
    static func expectedRecord(_ object: [String: Any]) -> Expectation {
        var record = CallRecord(timestamp: 0, agent: "", model: "", success: false, latencyMs: 0)
        var roundedTokens = false

        switch object["ts"] {
        case nil: return .violation("no ts")
        case let text as String:
            guard let seconds = RFC3339Timestamp.parse(text) else { return .violation("ts not RFC 3339") }
            record.timestamp = seconds
        case let number as NSNumber where !isBoolean(number):
            guard let seconds = double(number), seconds.isFinite, seconds >= 0 else { return .violation("ts out of range") }
            record.timestamp = seconds + 0
        default: return .violation("ts of the wrong type")
        }

        for key in ["agent", "model"] {
            guard let text = object[key] as? String, !text.isEmpty else { return .violation("bad \(key)") }
            if key == "agent" { record.agent = text } else { record.model = text }
        }

        for key in ["request_id", "variant", "fallback_model", "error"] {
            let text: String?
            switch object[key] {
            case nil, is NSNull: text = nil
            case let string as String: text = string
            default: return .violation("\(key) of the wrong type")
            }
            switch key {
            case "request_id": record.requestID = text
            case "variant": record.variant = text ?? "baseline"
            case "fallback_model": record.fallbackModel = text
            default: record.error = text
            }
        }

        guard let success = object["success"] as? NSNumber, isBoolean(success) else { return .violation("bad success") }
        record.success = success.boolValue
        switch object["fallback"] {
        case nil, is NSNull: record.fallback = false
        case let flag as NSNumber where isBoolean(flag): record.fallback = flag.boolValue
        default: return .violation("bad fallback")
        }

        for key in ["stream", "cache_hit"] {
            let flag: Bool?
            switch object[key] {
            case nil, is NSNull: flag = nil
            case let number as NSNumber where isBoolean(number): flag = number.boolValue
            default: return .violation("bad \(key)")
            }
            if key == "stream" { record.stream = flag } else { record.cacheHit = flag }
        }

        switch object["ttft_ms"] {
        case nil, is NSNull: record.ttftMs = nil
        case let number as NSNumber where !isBoolean(number):
            guard let value = double(number), value.isFinite, value >= 0 else { return .violation("ttft_ms out of range") }
            record.ttftMs = value + 0
        default: return .violation("bad ttft_ms")
        }

        for key in ["latency_ms", "cost_usd"] {
            let amount: Double
            switch object[key] {
            case nil where key == "cost_usd", is NSNull where key == "cost_usd": amount = 0
            case let number as NSNumber where !isBoolean(number):
                guard let value = double(number), value.isFinite, value >= 0 else { return .violation("\(key) out of range") }
                amount = value + 0
            default: return .violation("bad \(key)")
            }
            if key == "latency_ms" { record.latencyMs = amount } else { record.costUSD = amount }
        }

        for key in ["input_tokens", "output_tokens", "cached_input_tokens", "reasoning_tokens"] {
            let count: Int64?
            switch object[key] {
            case nil, is NSNull: count = nil
            case let number as NSNumber where !isBoolean(number):
                if let decimal = number as? NSDecimalNumber {
                    // Exact digits: integral and in range exactly when Int64 can read them.
                    guard let value = Int64(decimal.stringValue), value >= 0 else { return .violation("\(key) not a count") }
                    count = value
                } else if [UInt8(ascii: "d"), UInt8(ascii: "f")].contains(UInt8(bitPattern: number.objCType.pointee)) {
                    let value = number.doubleValue
                    guard value == value.rounded(), value >= 0, value < 0x1p63 else { return .violation("\(key) not a count") }
                    count = Int64(value)
                    if value != 0 { roundedTokens = true }
                } else if UInt8(bitPattern: number.objCType.pointee) == UInt8(ascii: "Q") {
                    guard number.uint64Value <= UInt64(Int64.max) else { return .violation("\(key) beyond Int64") }
                    count = Int64(number.uint64Value)
                } else {
                    guard number.int64Value >= 0 else { return .violation("\(key) negative") }
                    count = number.int64Value
                }
            default: return .violation("bad \(key)")
            }
            switch key {
            case "input_tokens": record.inputTokens = count
            case "output_tokens": record.outputTokens = count
            case "cached_input_tokens": record.cachedInputTokens = count
            default: record.reasoningTokens = count
            }
        }
        return .record(record, roundedTokens: roundedTokens)
    }

    static func isBoolean(_ number: NSNumber) -> Bool {
        type(of: number) == type(of: NSNumber(value: true))
    }

    static func double(_ number: NSNumber) -> Double? {
        if let decimal = number as? NSDecimalNumber {
            return Double(decimal.stringValue)
        }
        return number.doubleValue
    }
}

// MARK: - Line generator

extension CallLogParserDifferentialTests {
    /// Random call-log lines: mostly valid, with every optional field present, null or absent,
    /// random key order, whitespace, escapes of every kind, unicode, number spellings, unknown
    /// keys with nested values, duplicate keys, and a share of contract violations.
    struct LineGenerator {
        var random: SplitMix64

        init(seed: UInt64) {
            random = SplitMix64(seed: seed)
        }

        mutating func chance(_ probability: Double) -> Bool {
            Double(random.next() >> 11) / Double(UInt64(1) << 53) < probability
        }

        mutating func pick<T>(_ items: [T]) -> T {
            items[Int(random.next() % UInt64(items.count))]
        }

        mutating func integer(_ range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(random.next() % UInt64(range.count))
        }

        mutating func digits(_ count: Int) -> String {
            String((0..<count).map { _ in Character(String(integer(0...9))) })
        }

        mutating func whitespace() -> String {
            guard chance(0.15) else { return "" }
            return (0..<integer(1...3)).map { _ in pick([" ", "\t", "\r", "\n"]) }.joined()
        }

        // MARK: Strings

        static let specialScalars: [Unicode.Scalar] = [
            "\"", "\\", "/", "\u{0}", "\u{8}", "\u{C}", "\n", "\r", "\t", "\u{1F}", "\u{7F}", "\u{80}",
            "é", "ß", "\u{7FF}", "\u{800}", "€", "中", "\u{FFFD}", "\u{FFFF}", "\u{E000}", "😀", "\u{1F9D1}",
            "\u{10FFFF}", "\u{301}",
        ]

        mutating func text(maximumLength: Int = 24) -> String {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<integer(0...maximumLength) {
                if chance(0.8) {
                    scalars.append(pick(Array("abcdefghijklmnopqrstuvwxyz_-:.0123456789 ABC".unicodeScalars)))
                } else {
                    scalars.append(pick(Self.specialScalars))
                }
            }
            return String(scalars)
        }

        /// `text` as a JSON string literal, each character raw or escaped at random.
        mutating func quoted(_ text: String) -> String {
            var out = "\""
            for scalar in text.unicodeScalars {
                let escapeIt = chance(0.25)
                switch scalar {
                case "\"": out += escapeIt ? "\\u0022" : "\\\""
                case "\\": out += escapeIt ? "\\u005C" : "\\\\"
                case "\u{8}": out += escapeIt ? "\\u0008" : "\\b"
                case "\u{C}": out += escapeIt ? "\\u000c" : "\\f"
                case "\n": out += escapeIt ? "\\u000A" : "\\n"
                case "\r": out += escapeIt ? "\\u000d" : "\\r"
                case "\t": out += escapeIt ? "\\u0009" : "\\t"
                case "/" where escapeIt: out += "\\/"
                case _ where scalar.value < 0x20 || escapeIt:
                    if scalar.value >= 0x10000 {
                        let offset = scalar.value - 0x10000
                        out += unicodeEscape(0xD800 + (offset >> 10)) + unicodeEscape(0xDC00 + (offset & 0x3FF))
                    } else {
                        out += unicodeEscape(scalar.value)
                    }
                default:
                    out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }

        mutating func unicodeEscape(_ unit: UInt32) -> String {
            let hex = String(unit, radix: 16)
            let padded = String(repeating: "0", count: 4 - hex.count) + hex
            return "\\u" + (chance(0.5) ? padded.uppercased() : padded)
        }

        // MARK: Numbers

        /// A JSON number spelling; at most 30 significant digits so that Foundation's decimal
        /// path stays exact.
        mutating func number(negative: Double = 0, exponents: Bool = true) -> String {
            var text = chance(negative) ? "-" : ""
            if chance(0.25) {
                text += "0"
            } else {
                text += String(integer(1...9)) + digits(chance(0.1) ? integer(10...15) : integer(0...6))
            }
            if chance(0.6) {
                text += "." + digits(chance(0.1) ? integer(10...14) : integer(1...8))
            }
            if exponents, chance(0.25) {
                text += pick(["e", "E"]) + pick(["", "+", "-"]) + (chance(0.05) ? digits(3) : String(integer(0...30)))
            }
            return text
        }

        mutating func tokenCount() -> String {
            if chance(0.7) { return String(integer(0...100_000)) }
            return pick([
                "0", "12.0", "1.2e1", "1.2E+1", "100e-2", "0.5E1", "-0", "-0.0", "9223372036854775807",
                "12.5", "1e-1", "-1", "-12.0", "9223372036854775808", "1e19", "1e30", "18446744073709551616",
                "123456789012345678901234567890", "-9223372036854775808",
            ])
        }

        // MARK: Timestamps

        mutating func timestamp() -> String {
            let seconds = Int64(random.next() % 4_102_444_800)
            let offsetMinutes = chance(0.5) ? 0 : Int64(integer(-14 * 60...14 * 60))
            let local = seconds + offsetMinutes * 60
            let (days, secondOfDay) = RFC3339Timestamp.floorDivide(local, by: 86_400)
            var (year, month, day) = RFC3339Timestamp.civil(fromDays: days)
            var hour = secondOfDay / 3600
            var second = secondOfDay % 60
            if chance(0.03) {
                // Impossible dates and times.
                switch integer(0...3) {
                case 0: month = 13
                case 1: (month, day) = (2, 30)
                case 2: hour = 24
                default: second = 61
                }
            }
            func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
            var text = "\(year)-\(two(month))-\(two(day))\(chance(0.1) ? "t" : "T")"
                + "\(two(hour)):\(two(secondOfDay / 60 % 60)):\(two(second))"
            if chance(0.6) { text += "." + digits(integer(1...9)) }
            if offsetMinutes == 0, chance(0.7) {
                text += chance(0.1) ? "z" : "Z"
            } else if chance(0.02) {
                // No offset at all.
            } else {
                let magnitude = abs(offsetMinutes)
                text += (offsetMinutes < 0 ? "-" : "+") + two(magnitude / 60) + ":" + two(magnitude % 60)
            }
            return text
        }

        // MARK: Values of unknown keys

        mutating func anyValue(depth: Int) -> String {
            switch integer(depth >= 4 ? 0...4 : 0...6) {
            case 0: return quoted(text())
            case 1: return number(negative: 0.3)
            case 2: return pick(["true", "false", "null"])
            case 3, 4: return number(negative: 0.5, exponents: true)
            case 5:
                let members = (0..<integer(0...3)).map { _ in
                    quoted(text(maximumLength: 6)) + whitespace() + ":" + whitespace() + anyValue(depth: depth + 1)
                }
                return "{" + whitespace() + members.joined(separator: whitespace() + "," + whitespace()) + whitespace() + "}"
            default:
                let elements = (0..<integer(0...3)).map { _ in anyValue(depth: depth + 1) }
                return "[" + whitespace() + elements.joined(separator: whitespace() + "," + whitespace()) + whitespace() + "]"
            }
        }

        // MARK: Lines

        /// A value for `key`: usually right, sometimes null, absent (nil) or wrong.
        mutating func value(for key: String) -> String? {
            let required = ["ts", "agent", "model", "success", "latency_ms"].contains(key)
            if chance(required ? 0.01 : 0.3) { return nil }
            if chance(0.02) { return "null" }
            if chance(0.02) { return anyValue(depth: 1) }
            switch key {
            case "ts":
                return chance(0.8) ? quoted(timestamp()) : number(negative: 0.02)
            case "request_id":
                return quoted("req-\(digits(6))-\(text(maximumLength: 6))")
            case "agent":
                return quoted(chance(0.02) ? "" : chance(0.8) ? pick(["qa_agent", "content_agent", "support_agent"]) : text())
            case "model":
                return quoted(chance(0.02) ? "" : chance(0.8)
                    ? pick(["ft:open-mistral-7b:5010731d:20251031:ecc3829c", "mistral-small-latest", "open-mistral-nemo"])
                    : text())
            case "variant":
                return quoted(chance(0.9) ? pick(["baseline", "finetuned"]) : text())
            case "success", "fallback", "stream", "cache_hit":
                return pick(["true", "false"])
            case "fallback_model":
                return quoted(chance(0.8) ? "mistral-small-latest" : text())
            case "error":
                return quoted(chance(0.8) ? pick(["timeout", "rate_limited", "server_error"]) : text())
            case "latency_ms", "cost_usd", "ttft_ms":
                return number(negative: 0.03)
            default:
                return tokenCount()
            }
        }

        mutating func line() -> String {
            let keys = ["ts", "request_id", "agent", "model", "variant", "success", "fallback",
                        "fallback_model", "error", "latency_ms", "cost_usd", "input_tokens", "output_tokens",
                        "stream", "ttft_ms", "cached_input_tokens", "reasoning_tokens", "cache_hit"]
            var members: [(key: String, value: String)] = []
            for key in keys {
                if let value = value(for: key) { members.append((quotedKey(key), value)) }
            }
            for _ in 0..<(chance(0.3) ? integer(1...3) : 0) {
                members.append((quoted(pick(["meta", "tags", "trace", "Agent", "model ", "", "é", "\u{0}k", "x"])),
                                anyValue(depth: 1)))
            }
            if chance(0.05), let duplicate = members.randomElement(using: &random) {
                // Same key again with another value: Foundation and the parser both keep the last.
                members.append((duplicate.key, value(for: String(duplicate.key.dropFirst().dropLast())) ?? "null"))
            }
            members.shuffle(using: &random)
            let body = members.map { $0.key + whitespace() + ":" + whitespace() + $0.value }
                .joined(separator: whitespace() + "," + whitespace())
            return whitespace() + "{" + whitespace() + body + whitespace() + "}" + whitespace() + (chance(0.05) ? "\r" : "")
        }

        /// Known keys are almost always written plainly; sometimes with an escape.
        mutating func quotedKey(_ key: String) -> String {
            chance(0.03) ? quoted(key) : "\"\(key)\""
        }

        // MARK: Mutations

        static let fragments: [[UInt8]] = [
            "\"", "\\", "\\ud800", "\\udc00", "\\ud83d\\u0041", "\\u00", "\\x", "1e400", "-1e999", "-", "01", "00",
            ",", "}", "]", "{", "[", ":", "null", "true", "1", ".5", "+", "NaN", " ", "\t", "\r", "\n", "\u{7F}",
            ",}", ",]", "[[[[", "]]]]", "{\"a\":", "é", "😀",
        ].map { Array($0.utf8) } + [[0x00], [0x01], [0x1F], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
                                      [0xE2, 0x82], [0xFF], [0x80], [0xEF, 0xBB, 0xBF]]

        mutating func mutate(_ line: inout [UInt8]) {
            for _ in 0..<integer(1...3) {
                guard !line.isEmpty else { return }
                let position = integer(0...(line.count - 1))
                switch integer(0...7) {
                case 0: line[position] = UInt8(truncatingIfNeeded: random.next())
                case 6, 7:
                    // Often keeps the line valid: another digit, or whitespace after punctuation.
                    if line[position] &- UInt8(ascii: "0") < 10 {
                        line[position] = UInt8(ascii: "0") + UInt8(integer(0...9))
                    } else if [UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: "{"), UInt8(ascii: "[")].contains(line[position]) {
                        line.insert(pick([0x20, 0x09, 0x0A, 0x0D]), at: position + 1)
                    }
                case 1, 2: line.insert(contentsOf: pick(Self.fragments), at: position)
                case 3: line.removeSubrange(position..<min(line.count, position + integer(1...6)))
                case 4: line.removeSubrange(position...)
                default:
                    let end = min(line.count, position + integer(1...12))
                    line.insert(contentsOf: line[position..<end], at: integer(0...line.count))
                }
            }
        }
    }
}
