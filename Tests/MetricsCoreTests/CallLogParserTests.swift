// Over 400 lines on purpose: one case per field rule and reject reason of the input contract,
// in the contract's order, around one set of fixture lines.
import Testing
@testable import MetricsCore

@Suite struct CallLogParserTests {
    // MARK: - Fixtures

    static let typicalLine = #"{"ts":"2026-11-27T07:12:03.123Z","request_id":"req-000001-7f3a","agent":"qa_agent","model":"ft:open-mistral-7b:5010731d:20251031:ecc3829c","variant":"finetuned","success":true,"fallback":false,"fallback_model":null,"error":null,"latency_ms":812.4,"cost_usd":8.5e-05,"input_tokens":412,"output_tokens":128}"#

    static let typicalRecord = CallRecord(
        timestamp: 1_795_763_523.123, requestID: "req-000001-7f3a", agent: "qa_agent",
        model: "ft:open-mistral-7b:5010731d:20251031:ecc3829c", variant: "finetuned", success: true,
        fallback: false, fallbackModel: nil, error: nil, latencyMs: 812.4, costUSD: 8.5e-05,
        inputTokens: 412, outputTokens: 128
    )

    /// Only the required fields; everything else takes its default.
    static let minimalLine = #"{"ts":1795763523,"agent":"qa_agent","model":"m","success":false,"latency_ms":0}"#
    static let minimalRecord = CallRecord(timestamp: 1_795_763_523, agent: "qa_agent", model: "m", success: false, latencyMs: 0)

    static func parse(_ line: String) -> Result<CallRecord, LineRejection> {
        parse(Array(line.utf8))
    }

    static func parse(_ bytes: [UInt8]) -> Result<CallRecord, LineRejection> {
        var parser = CallLogParser()
        return parser.parse(bytes)
    }

    /// The minimal line with one member replaced (or added when `key` is new, removed when
    /// `value` is nil), for tests about one field.
    static func minimal(_ key: String, _ value: String?) -> String {
        var members: [(String, String)] = [
            ("ts", "1795763523"), ("agent", "\"qa_agent\""), ("model", "\"m\""),
            ("success", "false"), ("latency_ms", "0"),
        ]
        if let index = members.firstIndex(where: { $0.0 == key }) {
            if let value { members[index].1 = value } else { members.remove(at: index) }
        } else if let value {
            members.append((key, value))
        }
        return "{" + members.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    // MARK: - Accepted lines

    struct Accepted: Sendable, CustomTestStringConvertible {
        var name: String
        var line: String
        var expected: CallRecord
        var testDescription: String { name }
    }

    static let acceptedLines: [Accepted] = {
        let defaults = minimalRecord
        func with(_ change: (inout CallRecord) -> Void) -> CallRecord {
            var record = defaults
            change(&record)
            return record
        }
        var nested = "1"
        for _ in 0..<(CallLogParser.maximumNestingDepth - 1) { nested = "[" + nested + "]" }
        return [
            Accepted(name: "typical gateway line", line: typicalLine, expected: typicalRecord),
            Accepted(name: "required fields only, defaults applied", line: minimalLine, expected: defaults),
            Accepted(
                name: "keys in reverse order",
                line: #"{"output_tokens":128,"input_tokens":412,"cost_usd":8.5e-05,"latency_ms":812.4,"error":null,"fallback_model":null,"fallback":false,"success":true,"variant":"finetuned","model":"ft:open-mistral-7b:5010731d:20251031:ecc3829c","agent":"qa_agent","request_id":"req-000001-7f3a","ts":"2026-11-27T07:12:03.123Z"}"#,
                expected: typicalRecord
            ),
            Accepted(
                name: "optional fields null are absent",
                line: #"{"ts":1795763523,"request_id":null,"agent":"qa_agent","model":"m","variant":null,"success":false,"fallback":null,"fallback_model":null,"error":null,"latency_ms":0,"cost_usd":null,"input_tokens":null,"output_tokens":null}"#,
                expected: defaults
            ),
            Accepted(
                name: "whitespace around every token",
                line: " \t{ \"ts\" :\t1795763523 ,\r\n\"agent\" : \"qa_agent\" , \"model\":\"m\" , \"success\" : false , \"latency_ms\" : 0 } \t ",
                expected: defaults
            ),
            Accepted(name: "CRLF line ending", line: minimalLine + "\r", expected: defaults),
            Accepted(
                name: "short escapes decoded",
                line: minimal("agent", #""q\"a\\b\/c\b\f\n\r\t""#),
                expected: with { $0.agent = "q\"a\\b/c\u{8}\u{C}\n\r\t" }
            ),
            Accepted(
                name: "unicode escape and raw UTF-8",
                line: minimal("model", #""caf\u00e9 café \u20AC €""#),
                expected: with { $0.model = "café café € €" }
            ),
            Accepted(
                name: "surrogate pair escape, either case",
                line: minimal("error", #""\ud83d\ude00 \uD83D\uDE00 😀""#),
                expected: with { $0.error = "😀 😀 😀" }
            ),
            Accepted(
                name: "escaped NUL kept",
                line: minimal("error", #""a\u0000b""#),
                expected: with { $0.error = "a\u{0}b" }
            ),
            Accepted(
                name: "long strings with escapes go through the interner",
                line: minimal("model", #""ft:open-mistral-7b:5010731d:2025\u0031031:ecc3829c""#),
                expected: with { $0.model = "ft:open-mistral-7b:5010731d:20251031:ecc3829c" }
            ),
            Accepted(
                name: "exponent forms",
                line: minimal("latency_ms", "1E3").replacingFirst(#""success""#, with: #""cost_usd":2.5e-1,"input_tokens":1e+2,"output_tokens":0.5E1,"success""#),
                expected: with { $0.latencyMs = 1000; $0.costUSD = 0.25; $0.inputTokens = 100; $0.outputTokens = 5 }
            ),
            Accepted(
                name: "integral token forms",
                line: minimal("input_tokens", "12.0").replacingFirst("}", with: #","output_tokens":1.2e1}"#),
                expected: with { $0.inputTokens = 12; $0.outputTokens = 12 }
            ),
            Accepted(
                name: "token counts at the Int64 limit and negative zero",
                line: minimal("input_tokens", "9223372036854775807").replacingFirst("}", with: #","output_tokens":-0}"#),
                expected: with { $0.inputTokens = .max; $0.outputTokens = 0 }
            ),
            Accepted(
                name: "negative zero latency stored as zero",
                line: minimal("latency_ms", "-0.0"),
                expected: defaults
            ),
            Accepted(
                name: "underflow to zero is a finite value",
                line: minimal("cost_usd", "1e-400"),
                expected: defaults
            ),
            Accepted(
                name: "numeric ts with fraction",
                line: minimal("ts", "1795763523.123"),
                expected: with { $0.timestamp = 1_795_763_523.123 }
            ),
            Accepted(
                name: "ts with a positive offset",
                line: minimal("ts", #""2026-11-27T09:12:03.123+02:00""#),
                expected: with { $0.timestamp = 1_795_763_523.123 }
            ),
            Accepted(
                name: "ts with a negative offset, lowercase t and no fraction",
                line: minimal("ts", #""2026-11-27t02:12:03-05:00""#),
                expected: with { $0.timestamp = 1_795_763_523 }
            ),
            Accepted(
                name: "ts written with escapes",
                line: minimal("ts", #""2026-11-27T07:12:03\u002e123\u005A""#),
                expected: with { $0.timestamp = 1_795_763_523.123 }
            ),
            Accepted(
                name: "unknown keys with nested values skipped",
                line: minimal("meta", #"{"a":[1,{"b":null,"c":[true,false,"x\"y"]}],"d":{},"e":[]}"#)
                    .replacingFirst("{", with: #"{"tags":["x",-1.5e10,{"k":"v"}],"flag":true,"nothing":null,"#),
                expected: defaults
            ),
            Accepted(
                name: "unknown key nested to the depth limit",
                line: minimal("deep", nested),
                expected: defaults
            ),
            Accepted(
                name: "duplicate key: last one wins, even over a bad first value",
                line: minimal("agent", #""first""#).replacingFirst("}", with: #","agent":"second","success":1,"success":true}"#),
                expected: with { $0.agent = "second"; $0.success = true }
            ),
            Accepted(
                name: "known key spelled with escapes",
                line: minimal("agent", nil).replacingFirst("{", with: #"{"\u0061gent":"qa_agent","#),
                expected: defaults
            ),
            Accepted(
                name: "fallback with fallback model, error and variant kept as written",
                line: minimal("fallback", "true").replacingFirst("}", with: #","fallback_model":"mistral-small-latest","error":"timeout","variant":"canary"}"#),
                expected: with {
                    $0.fallback = true
                    $0.fallbackModel = "mistral-small-latest"
                    $0.error = "timeout"
                    $0.variant = "canary"
                }
            ),
            Accepted(
                name: "streaming and cache signals read",
                line: minimal("stream", "true").replacingFirst("}", with: #","ttft_ms":182.5,"cached_input_tokens":300,"reasoning_tokens":64,"cache_hit":false}"#),
                expected: with {
                    $0.stream = true
                    $0.ttftMs = 182.5
                    $0.cachedInputTokens = 300
                    $0.reasoningTokens = 64
                    $0.cacheHit = false
                }
            ),
            Accepted(
                name: "streaming and cache signals null are absent",
                line: minimal("stream", "null").replacingFirst("}", with: #","ttft_ms":null,"cached_input_tokens":null,"reasoning_tokens":null,"cache_hit":null}"#),
                expected: defaults
            ),
            Accepted(
                name: "a gateway cache hit",
                line: minimal("cache_hit", "true").replacingFirst("}", with: #","stream":false,"ttft_ms":0}"#),
                expected: with { $0.cacheHit = true; $0.stream = false; $0.ttftMs = 0 }
            ),
            Accepted(
                name: "empty variant and fallback model kept as written",
                line: minimal("variant", #""""#).replacingFirst("}", with: #","fallback_model":""}"#),
                expected: with { $0.variant = ""; $0.fallbackModel = "" }
            ),
        ]
    }()

    @Test(arguments: acceptedLines)
    func acceptsLine(_ example: Accepted) throws {
        let record = try Self.parse(example.line).get()
        #expect(record == example.expected)
        #expect(record.timestamp.bitPattern == example.expected.timestamp.bitPattern)
        #expect(record.latencyMs.bitPattern == example.expected.latencyMs.bitPattern)
        #expect(record.costUSD.bitPattern == example.expected.costUSD.bitPattern)
        #expect(Array(record.agent.utf8) == Array(example.expected.agent.utf8))
        #expect(Array(record.model.utf8) == Array(example.expected.model.utf8))
    }

    @Test func acceptsKeysInEveryShuffledOrder() throws {
        let members = Self.typicalLine.dropFirst().dropLast().split(separator: ",").map(String.init)
        var random = SplitMix64(seed: 7)
        var parser = CallLogParser()
        for _ in 0..<500 {
            let line = "{" + members.shuffled(using: &random).joined(separator: ",") + "}"
            #expect(try parser.parse(Array(line.utf8)).get() == Self.typicalRecord)
        }
    }

    @Test func numbersAreCorrectlyRounded() throws {
        // Long mantissas and far exponents take the strtod path; short ones the exact fast path.
        let texts = [
            "812.4", "8.5e-05", "0.1", "0.30000000000000004441", "123456789012345678901234567890e-10",
            "2.2250738585072011e-308", "4.9406564584124654e-324", "1.7976931348623157e308",
            "9007199254740993", "0.000000000000000000000000001", "1e22", "1e23", "123456.789e3",
            "0.1234567890123456789012345678901234567890",
        ]
        for text in texts {
            let record = try Self.parse(Self.minimal("latency_ms", text)).get()
            let expected = try #require(Double(text))
            #expect(record.latencyMs.bitPattern == expected.bitPattern, "\(text)")
        }
    }

    // MARK: - Rejected lines

    struct Rejected: Sendable, CustomTestStringConvertible {
        var line: [UInt8]
        var reason: RejectReason
        var testDescription: String { String(decoding: line, as: UTF8.self).debugDescription }

        init(_ line: String, _ reason: RejectReason) {
            self.line = Array(line.utf8)
            self.reason = reason
        }

        init(bytes: [UInt8], _ reason: RejectReason) {
            self.line = bytes
            self.reason = reason
        }
    }

    static let emptyLines = ["", " ", "\t", "\r", "  \t\r\n  "].map { Rejected($0, .emptyLine) }

    static let invalidJSONLines: [Rejected] = {
        var tooDeep = "1"
        for _ in 0..<CallLogParser.maximumNestingDepth { tooDeep = "[" + tooDeep + "]" }
        let texts = [
            "{", "}", "[]", "null", "\"x\"", "42", "true", "{}}", "{}{}", "{} x", "x{}",
            minimalLine + ",", minimalLine.replacingFirst("}", with: ",}"),
            #"{"a" 1}"#, #"{"a":}"#, #"{"a"}"#, #"{a:1}"#, #"{'a':1}"#, #"{,}"#, #"{"a":1,,"b":2}"#,
            #"{"a":01}"#, #"{"a":-01}"#, #"{"a":+1}"#, #"{"a":.5}"#, #"{"a":1.}"#, #"{"a":1.e5}"#,
            #"{"a":1e}"#, #"{"a":1e+}"#, #"{"a":-}"#, #"{"a":--1}"#, #"{"a":0x10}"#,
            #"{"a":NaN}"#, #"{"a":Infinity}"#, #"{"a":-Infinity}"#, #"{"a":tru}"#, #"{"a":nul}"#,
            #"{"a":True}"#, #"{"a":"x"#, #"{"a":"x\"}"#, #"{"a":"\x"}"#, #"{"a":"\u12"}"#,
            #"{"a":"\u12g4"}"#, #"{"a":"\U0041"}"#, #"{"a":"\ud800"}"#, #"{"a":"\udc00"}"#,
            #"{"a":"\ud800\u0041"}"#, #"{"a":"\ud800\ud800"}"#, #"{"a":"\ude00\ud83d"}"#,
            "{\"a\":\"tab\there\"}", "{\"a\":\"new\nline\"}", "{\"a\":\"\u{1}\"}",
            #"{"a":[1,2}"#, #"{"a":[1,]}"#, #"{"a":{"b"}}"#, #"{"a":{"b":1,}}"#, #"{"a":{1:2}}"#,
            #"{"a":[}"#, #"{"a":[[[]]}"#, "{\"deep\":\(tooDeep)}",
            "\u{FEFF}" + minimalLine, "\u{C}{}", "{}\u{C}", "{}\u{0}", "{\"a\":\u{0}}",
            "{\"agent\":\"x\",\"success\":1,",
        ]
        return texts.map { Rejected($0, .invalidJSON) }
    }()

    static let invalidUTF8Lines: [Rejected] = {
        func inString(_ bytes: [UInt8]) -> [UInt8] {
            Array(#"{"agent":"a"#.utf8) + bytes + Array(#"b","ts":1,"model":"m","success":true,"latency_ms":1}"#.utf8)
        }
        return [
            inString([0xC0, 0xAF]),                   // overlong "/"
            inString([0xE0, 0x80, 0xAF]),             // overlong, three bytes
            inString([0xF0, 0x80, 0x80, 0xAF]),       // overlong, four bytes
            inString([0xED, 0xA0, 0x80]),             // UTF-8-encoded surrogate U+D800
            inString([0xF4, 0x90, 0x80, 0x80]),       // U+110000
            inString([0xF5, 0x80, 0x80, 0x80]),
            inString([0xFF]),
            inString([0x80]),                         // lone continuation byte
            inString([0xE2, 0x82]),                   // truncated sequence
            inString([0xC3]),
            Array(#"{"unknown":"x"#.utf8) + [0xFF] + Array(#"","ts":1}"#.utf8),
            Array(#"{"a"#.utf8) + [0xC3, 0x28] + Array(#"":1}"#.utf8),                // in a key
            Array(minimalLine.utf8) + [0xFF],                                       // after the object
            Array(#"{"a":1,"#.utf8) + [0xFF],                                      // where a key should be
            Array(#"{"agent":"x"#.utf8) + [0xE2, 0x82],                            // truncated at the end
            Array(#"{"a":[1,,"#.utf8) + Array(#"{"b":""#.utf8) + [0xFF],           // after a syntax error
        ].map { Rejected(bytes: $0, .invalidUTF8) }
    }()

    static let missingFieldLines: [Rejected] =
        [Rejected("{}", .missingField), Rejected(#"{"other":1}"#, .missingField)]
        + ["ts", "agent", "model", "success", "latency_ms"].map { Rejected(minimal($0, nil), .missingField) }

    static let wrongTypeLines: [Rejected] = [
        ("success", "1"), ("success", #""true""#), ("success", "null"), ("fallback", #""no""#),
        ("fallback", "0"), ("agent", "5"), ("agent", "null"), ("agent", "{}"), ("model", "[]"),
        ("model", "true"), ("ts", "true"), ("ts", "null"), ("ts", "[]"), ("latency_ms", #""1""#),
        ("latency_ms", "null"), ("cost_usd", #""0""#), ("cost_usd", "false"),
        ("input_tokens", "1.5"), ("input_tokens", #""3""#), ("output_tokens", "1e-1"),
        ("output_tokens", "-1.5"), ("input_tokens", "12.000000000000000001"), ("error", "5"),
        ("error", "true"), ("error", "{}"), ("variant", "1"), ("fallback_model", "1"), ("request_id", "7"),
        ("stream", "1"), ("stream", #""true""#), ("cache_hit", "0"), ("cache_hit", "{}"), ("ttft_ms", #""12""#),
        ("ttft_ms", "true"), ("cached_input_tokens", "1.5"), ("cached_input_tokens", #""3""#),
        ("reasoning_tokens", "2e-1"), ("reasoning_tokens", "[]"),
    ].map { Rejected(minimal($0.0, $0.1), .wrongType) }

    static let invalidValueLines: [Rejected] = [
        ("latency_ms", "-1"), ("latency_ms", "-0.001"), ("cost_usd", "-8.5e-05"), ("latency_ms", "1e400"),
        ("cost_usd", "-1e400"), ("ts", "-1"), ("ts", "1e400"), ("agent", #""""#), ("model", #""""#),
        ("input_tokens", "-1"), ("output_tokens", "9223372036854775808"), ("input_tokens", "1e19"),
        ("input_tokens", "1e400"), ("output_tokens", "-9223372036854775808"),
        ("input_tokens", "92233720368547758080e-1"),
        ("ttft_ms", "-1"), ("ttft_ms", "1e400"), ("cached_input_tokens", "-3"), ("reasoning_tokens", "1e19"),
    ].map { Rejected(minimal($0.0, $0.1), .invalidValue) }

    static let invalidTimestampLines: [Rejected] = [
        "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
        "2026-11-27T24:00:00Z", "2026-11-27T07:60:00Z", "2026-11-27T07:12:61Z", "2026-11-27T07:12:03",
        "2026-11-27 07:12:03Z", "2026-11-27T07:12:03.Z", "2026-11-27T07:12:03+2:00", "2026-11-27T07:12:03+24:00",
        "2026-11-27T07:12:03+02:60", "2026-11-27T07:12:03+0200", "2026-11-27T07:12:03ZZ", "2026-11-27",
        "", "yesterday", "1795763523", " 2026-11-27T07:12:03Z", "+2026-11-27T07:12:03Z", "2026-1-27T07:12:03Z",
    ].map { Rejected(minimal("ts", "\"\($0)\""), .invalidTimestamp) }

    @Test(arguments: emptyLines)
    func rejectsEmptyLine(_ example: Rejected) {
        Self.expectRejection(example)
    }

    @Test(arguments: invalidJSONLines)
    func rejectsInvalidJSON(_ example: Rejected) {
        Self.expectRejection(example)
    }

    @Test(arguments: invalidUTF8Lines)
    func rejectsInvalidUTF8(_ example: Rejected) {
        Self.expectRejection(example)
    }

    @Test(arguments: missingFieldLines)
    func rejectsMissingField(_ example: Rejected) {
        Self.expectRejection(example)
    }

    @Test(arguments: wrongTypeLines)
    func rejectsWrongType(_ example: Rejected) {
        Self.expectRejection(example)
    }

    @Test(arguments: invalidValueLines)
    func rejectsInvalidValue(_ example: Rejected) {
        Self.expectRejection(example)
    }

    @Test(arguments: invalidTimestampLines)
    func rejectsInvalidTimestamp(_ example: Rejected) {
        Self.expectRejection(example)
    }

    static func expectRejection(_ example: Rejected, sourceLocation: SourceLocation = #_sourceLocation) {
        var parser = CallLogParser()
        switch parser.parse(example.line) {
        case let .success(record):
            Issue.record("accepted as \(record)", sourceLocation: sourceLocation)
        case let .failure(rejection):
            #expect(rejection.reason == example.reason, "\(rejection.detail)", sourceLocation: sourceLocation)
            #expect(!rejection.detail.isEmpty, sourceLocation: sourceLocation)
        }
    }

    @Test func everyReasonButTooLongIsProduced() {
        let produced = Set((Self.emptyLines + Self.invalidJSONLines + Self.invalidUTF8Lines + Self.missingFieldLines
            + Self.wrongTypeLines + Self.invalidValueLines + Self.invalidTimestampLines).map(\.reason))
        #expect(produced == Set(RejectReason.allCases).subtracting([.tooLong]))
    }

    // MARK: - Messages and precedence

    @Test func detailNamesTheField() {
        func detail(_ line: String) -> String? {
            guard case let .failure(rejection) = Self.parse(line) else { return nil }
            return rejection.detail
        }
        #expect(detail(Self.minimal("agent", nil)) == #"missing required field "agent""#)
        #expect(detail(#"{"agent":"a","success":true}"#) == #"missing required fields "ts", "model", "latency_ms""#)
        #expect(detail(Self.minimal("success", "1")) == #"field "success" must be a boolean, got number"#)
        #expect(detail(Self.minimal("agent", "null")) == #"field "agent" must be a non-empty string, got null"#)
        #expect(detail(Self.minimal("input_tokens", "12.5")) == #"field "input_tokens" must be an integer, got 12.5"#)
        #expect(detail(Self.minimal("latency_ms", "-3")) == #"field "latency_ms" must not be negative, got -3"#)
        #expect(detail(Self.minimal("model", #""""#)) == #"field "model" must not be empty"#)
        #expect(detail(Self.minimal("ts", #""2026-02-30T00:00:00Z""#))
            == #"field "ts" must be an RFC 3339 date-time such as "2026-11-27T07:12:03.123Z", got "2026-02-30T00:00:00Z""#)
        #expect(detail(#"{"a":01}"#) == "invalid JSON at byte 6: numbers must not have leading zeros")
        #expect(detail("") == "the line is empty")
    }

    @Test func longValuesAreCutInMessages() throws {
        let long = String(repeating: "9", count: 500)
        let line = Self.minimal("input_tokens", "-" + long)
        guard case let .failure(rejection) = Self.parse(line) else {
            Issue.record("accepted")
            return
        }
        #expect(rejection.reason == .invalidValue)
        #expect(rejection.detail.utf8.count < 150)

        // Cut on a character boundary: no replacement character from half an "é".
        guard case let .failure(timestamp) = Self.parse(Self.minimal("ts", "\"xy" + String(repeating: "é", count: 80) + "\"")) else {
            Issue.record("accepted")
            return
        }
        #expect(timestamp.reason == .invalidTimestamp)
        #expect(timestamp.detail.hasSuffix("éé..."))
        #expect(!timestamp.detail.contains("\u{FFFD}"))
    }

    @Test func invalidUTF8OutranksSyntaxErrors() {
        let line = Array(#"{"agent":"#.utf8) + [0xFF] + Array("}".utf8)
        #expect(Self.reason(line) == .invalidUTF8)
        let unterminated = Array(#"{"agent":"x"#.utf8) + [0xC3]
        #expect(Self.reason(unterminated) == .invalidUTF8)
    }

    @Test func syntaxErrorsOutrankFieldProblems() {
        #expect(Self.reason(Array(#"{"success":1,"agent":"","ts":"#.utf8)) == .invalidJSON)
        #expect(Self.reason(Array((Self.minimal("success", "1") + "x").utf8)) == .invalidJSON)
    }

    @Test func fieldProblemsOutrankMissingFieldsAndFollowContractOrder() throws {
        #expect(Self.reason(Array(#"{"success":1}"#.utf8)) == .wrongType)
        #expect(Self.reason(Array(#"{"agent":""}"#.utf8)) == .invalidValue)
        // latency_ms comes first in the line, agent first in the contract.
        let line = #"{"latency_ms":-1,"agent":5,"ts":"2026-13-01T00:00:00Z","model":"m","success":true}"#
        guard case let .failure(rejection) = Self.parse(line) else {
            Issue.record("accepted")
            return
        }
        #expect(rejection.reason == .invalidTimestamp)
        let withoutTimestampProblem = line.replacingFirst("2026-13-01", with: "2026-12-01")
        guard case let .failure(second) = Self.parse(withoutTimestampProblem) else {
            Issue.record("accepted")
            return
        }
        #expect(second.reason == .wrongType)
        #expect(second.detail.contains("\"agent\""))
    }

    @Test func reasonsSortByRawValue() {
        let sorted = RejectReason.allCases.sorted()
        #expect(sorted.map(\.rawValue) == sorted.map(\.rawValue).sorted())
        #expect(RejectReason.emptyLine < RejectReason.wrongType)
    }

    static func reason(_ bytes: [UInt8]) -> RejectReason? {
        guard case let .failure(rejection) = parse(bytes) else { return nil }
        return rejection.reason
    }

    // MARK: - Interning

    @Test func repeatedStringsShareStorage() throws {
        var parser = CallLogParser()
        let first = try parser.parse(Array(Self.typicalLine.utf8)).get()
        let second = try parser.parse(Array(Self.typicalLine.utf8)).get()
        #expect(Self.storageAddress(first.model) == Self.storageAddress(second.model))
        #expect(first.model == second.model)
    }

    @Test func internerStaysCorrectUnderManyDistinctStrings() throws {
        var parser = CallLogParser()
        var random = SplitMix64(seed: 99)
        for index in 0..<20_000 {
            // A few hot names among a flood of unique ones: every result must still be the text
            // of its own line, whatever was evicted.
            let model = index % 3 == 0
                ? "ft:open-mistral-7b:5010731d:20251031:ecc3829c"
                : "model-\(random.next())-\(index)-padding-padding"
            let record = try parser.parse(Array(Self.minimal("model", "\"\(model)\"").utf8)).get()
            #expect(record.model == model)
        }
    }

    static func storageAddress(_ string: String) -> UInt? {
        string.utf8.withContiguousStorageIfAvailable { UInt(bitPattern: $0.baseAddress) }
    }

    // MARK: - Robustness

    /// Mutated and truncated versions of valid lines: the parser must return, and whatever it
    /// accepts must satisfy the contract. A long-lived parser (warm cache) and a fresh one must
    /// agree.
    @Test func neverCrashesOnMutatedLines() {
        let seeds = [
            Self.typicalLine,
            Self.minimalLine,
            Self.minimal("error", #""\ud83d\ude00 caf\u00e9 \"x\" é""#),
            Self.minimal("meta", #"{"a":[1,{"b":null,"c":[true,false,"x\"y"]}],"d":-1.5e10}"#),
            Self.minimal("ts", #""2026-11-27T09:12:03.123456+02:00""#),
        ].map { Array($0.utf8) }
        let interesting = Array(#"{}[]",:\-+.eE0123456789tfnu "#.utf8) + [0x00, 0x09, 0x0A, 0x0D, 0x7F, 0x80, 0xC3, 0xED, 0xF4, 0xFF]
        var random = SplitMix64(seed: 0xC0FFEE)
        var longLived = CallLogParser()
        var accepted = 0
        for iteration in 0..<30_000 {
            var line = seeds[iteration % seeds.count]
            for _ in 0..<(1 + Int(random.next() % 3)) {
                guard !line.isEmpty else { break }
                let position = Int(random.next() % UInt64(line.count))
                switch random.next() % 6 {
                case 0: line[position] = UInt8(truncatingIfNeeded: random.next())
                case 1: line[position] = interesting[Int(random.next() % UInt64(interesting.count))]
                case 2: line.insert(interesting[Int(random.next() % UInt64(interesting.count))], at: position)
                case 3: line.removeSubrange(position..<min(line.count, position + 1 + Int(random.next() % 8)))
                case 4: line.removeSubrange(position...)
                default:
                    let end = min(line.count, position + 1 + Int(random.next() % 16))
                    line.insert(contentsOf: line[position..<end], at: position)
                }
            }
            let warm = longLived.parse(line)
            #expect(warm == Self.parse(line))
            switch warm {
            case let .success(record):
                accepted += 1
                Self.expectSatisfiesContract(record)
            case let .failure(rejection):
                #expect(rejection.reason != .tooLong)
                #expect(!rejection.detail.isEmpty)
            }
        }
        // Some mutations (a digit changed, whitespace added) keep the line valid.
        #expect(accepted > 100)
    }

    @Test func neverCrashesOnRandomBytes() {
        var random = SplitMix64(seed: 42)
        var parser = CallLogParser()
        for _ in 0..<20_000 {
            let count = Int(random.next() % 64)
            var line = [UInt8]()
            let alphabet = Array(#"{}[]":,0-1e."#.utf8)
            for _ in 0..<count {
                line.append(random.next() % 4 == 0
                    ? UInt8(truncatingIfNeeded: random.next())
                    : alphabet[Int(random.next() % UInt64(alphabet.count))])
            }
            if case let .success(record) = parser.parse(line) {
                Self.expectSatisfiesContract(record)
            }
        }
    }

    @Test func deepNestingIsRefusedWithoutRecursion() {
        let depth = 100_000
        let line = #"{"a":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        #expect(Self.reason(Array(line.utf8)) == .invalidJSON)
        let objects = #"{"a":"# + String(repeating: #"{"b":"#, count: depth) + "1" + String(repeating: "}", count: depth) + "}"
        #expect(Self.reason(Array(objects.utf8)) == .invalidJSON)
    }

    @Test func hugeNumbersAndStringsAreHandled() throws {
        let digits = String(repeating: "1", count: 5000)
        let record = try Self.parse(Self.minimal("latency_ms", digits + "e-4990")).get()
        #expect(record.latencyMs.bitPattern == Double(digits + "e-4990")?.bitPattern)
        #expect(Self.reason(Array(Self.minimal("latency_ms", digits).utf8)) == .invalidValue)
        #expect(Self.reason(Array(Self.minimal("latency_ms", "1e99999999999999999999999").utf8)) == .invalidValue)
        #expect(try Self.parse(Self.minimal("latency_ms", "1e-99999999999999999999999")).get().latencyMs == 0)
        #expect(try Self.parse(Self.minimal("input_tokens", "0e99999999999999999999999")).get().inputTokens == 0)
        let agent = String(repeating: "é", count: 100_000)
        #expect(try Self.parse(Self.minimal("agent", "\"\(agent)\"")).get().agent == agent)
    }

    static func expectSatisfiesContract(_ record: CallRecord) {
        #expect(record.timestamp.isFinite)
        #expect(!record.agent.isEmpty)
        #expect(!record.model.isEmpty)
        #expect(record.latencyMs.isFinite && record.latencyMs >= 0 && record.latencyMs.sign == .plus)
        #expect(record.costUSD.isFinite && record.costUSD >= 0 && record.costUSD.sign == .plus)
        #expect((record.inputTokens ?? 0) >= 0)
        #expect((record.outputTokens ?? 0) >= 0)
    }
}

extension CallLogParserTests {
    /// Deterministic PRNG for reproducible fuzzing (Steele, Lea and Flood's SplitMix64).
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64

        init(seed: UInt64) {
            state = seed
        }

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var mixed = state
            mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
            return mixed ^ (mixed >> 31)
        }
    }
}

extension String {
    /// The string with the first occurrence of `target` replaced; test fixtures only.
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        var result = self
        result.replaceSubrange(range, with: replacement)
        return result
    }
}
