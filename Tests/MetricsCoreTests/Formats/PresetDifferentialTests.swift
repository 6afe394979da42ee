import Foundation
import Testing
@testable import MetricsCore

/// Each preset against PresetTruth's Foundation reading on generated lines of its format: every
/// optional member present, null or absent, required ones now and then missing, random member
/// order and whitespace, hostile strings (escapes of every kind, quotes, backslashes, control
/// characters, astral and combining scalars) in labels and ids and even in member names and
/// OTLP attribute keys, numbers written as strings where the format allows it, unknown members
/// with nested values, impossible values (negative durations, empty labels), and a share of
/// lines cut short.
@Suite struct PresetDifferentialTests {
    struct Tally {
        var lines = 0
        var accepted = 0
        var refused = 0
        var wholeLineRefused = 0
        var skippedLines = 0
    }

    static func run(_ preset: String, seed: UInt64, lines: Int, line make: (inout JSONWriter) -> JSONWriter.Node) throws -> Tally {
        let shipped = try #require(FormatPreset.named(preset))
        var parser = RecordParser(format: try CallLogFormat(preset: shipped))
        var writer = JSONWriter(seed: seed)
        var tally = Tally()
        for _ in 0..<lines {
            var bytes = Array(writer.render(make(&writer)).utf8)
            if writer.g.chance(0.05) {
                bytes = Array(bytes.prefix(writer.g.integer(0...max(0, bytes.count - 1))))
            }
            let parsed = parser.parse(bytes)
            let expected = PresetTruth.outcomes(preset: preset, line: bytes)
            PresetTruth.expectAgreement(parsed, expected, String(decoding: bytes, as: UTF8.self).debugDescription)
            tally.lines += 1
            if parsed.isEmpty { tally.skippedLines += 1 }
            for record in parsed {
                switch record.result {
                case .success: tally.accepted += 1
                case let .failure(rejection):
                    if [.invalidJSON, .invalidUTF8, .emptyLine].contains(rejection.reason) {
                        tally.wholeLineRefused += 1
                    } else {
                        tally.refused += 1
                    }
                }
            }
        }
        return tally
    }

    @Test func liteLLMAgreesWithFoundation() throws {
        let tally = try Self.run("litellm", seed: 0x117E_11, lines: 4000) { $0.liteLLM() }
        #expect(tally.accepted > 2000 && tally.refused > 300 && tally.wholeLineRefused > 100, "\(tally)")
    }

    @Test func envoyAIGatewayAgreesWithFoundation() throws {
        let tally = try Self.run("envoy-ai-gateway", seed: 0xE4_0A1, lines: 4000) { $0.envoy() }
        #expect(tally.accepted > 2000 && tally.refused > 200 && tally.wholeLineRefused > 100, "\(tally)")
    }

    @Test func kongAIGatewayAgreesWithFoundation() throws {
        let tally = try Self.run("kong-ai-gateway", seed: 0x4_0A6, lines: 4000) { $0.kong() }
        #expect(tally.accepted > 2000 && tally.refused > 200 && tally.skippedLines > 300, "\(tally)")
    }

    @Test func otelGenAIAgreesWithFoundation() throws {
        let tally = try Self.run("otel-genai", seed: 0x07E1, lines: 2500) { $0.otel() }
        #expect(tally.accepted > 5000 && tally.refused > 300 && tally.skippedLines > 100, "\(tally)")
    }
}

/// Writes JSON text from a small tree, with the hostile spellings of
/// CallLogParserDifferentialTests.LineGenerator.
struct JSONWriter {
    indirect enum Node {
        /// A literal written as is: a number, true, false, null.
        case literal(String)
        /// A string, each character raw or escaped at random.
        case text(String)
        /// A string written without escapes (numbers as strings must stay readable as numbers).
        case plain(String)
        /// Members in random order; nil values are left out.
        case object([(String, Node?)])
        case array([Node])
    }

    var g: CallLogParserDifferentialTests.LineGenerator

    init(seed: UInt64) {
        g = CallLogParserDifferentialTests.LineGenerator(seed: seed)
    }

    mutating func render(_ node: Node) -> String {
        switch node {
        case let .literal(text): return text
        case let .text(text): return g.quoted(text)
        case let .plain(text): return "\"" + text + "\""
        case let .object(members):
            var present = members.compactMap { member in member.1.map { (member.0, $0) } }
            for _ in 0..<(g.chance(0.3) ? g.integer(1...3) : 0) {
                present.append(("x_" + g.text(maximumLength: 6), junk(depth: 0)))
            }
            present.shuffle(using: &g.random)
            let rendered = present.map { name, value in
                g.quoted(name) + g.whitespace() + ":" + g.whitespace() + render(value)
            }
            return "{" + g.whitespace() + rendered.joined(separator: g.whitespace() + "," + g.whitespace()) + g.whitespace() + "}"
        case let .array(elements):
            let rendered = elements.map { render($0) }
            return "[" + g.whitespace() + rendered.joined(separator: g.whitespace() + "," + g.whitespace()) + g.whitespace() + "]"
        }
    }

    /// An unknown member's value: never a number Foundation cannot represent.
    mutating func junk(depth: Int) -> Node {
        switch g.integer(depth >= 3 ? 0...3 : 0...5) {
        case 0: return .text(g.text())
        case 1: return .literal(g.pick(["true", "false", "null", "0", "-1.5", "12e3"]))
        case 2: return .literal(String(g.integer(0...1_000_000)))
        case 3: return .text(g.pick(["model", "success", "gen_ai.request.model", "endTime"]))
        case 4: return .object((0..<g.integer(0...3)).map { _ in ("x_" + g.text(maximumLength: 5), junk(depth: depth + 1)) })
        default: return .array((0..<g.integer(0...3)).map { _ in junk(depth: depth + 1) })
        }
    }

    // MARK: Values

    /// `value` most of the time, else JSON null or absent.
    mutating func sometimes(_ present: Double, _ value: Node) -> Node? {
        if g.chance(present) { return value }
        return g.chance(0.3) ? .literal("null") : nil
    }

    mutating func label(_ known: [String]) -> Node {
        if g.chance(0.5) { return .text(g.pick(known)) }
        return .text(g.text(maximumLength: 16))
    }

    mutating func count() -> Node {
        .literal(String(g.integer(0...200_000)))
    }

    mutating func amount() -> Node {
        .literal(g.pick(["0", "0.0", "0.00042", "1.5", "12", "3.25e-05", "0.0038"]))
    }

    mutating func flag() -> Node {
        .literal(g.chance(0.5) ? "true" : "false")
    }

    /// Epoch seconds with up to six decimals.
    mutating func epochSeconds() -> Double {
        Double(g.integer(1_700_000_000...1_900_000_000)) + Double(g.integer(0...999_999)) / 1e6
    }

    static let models = ["gpt-4o-mini", "gpt-4o", "claude-3-5-sonnet-20241022", "ft:gpt-4o-mini:acme::x1", "o3-mini", "command"]
    static let agents = ["support_agent", "billing_agent", "qa", "legal"]

    // MARK: LiteLLM

    mutating func liteLLM() -> Node {
        let start = epochSeconds()
        let latency = g.chance(0.03) ? -Double(g.integer(1...5_000)) / 1000 : Double(g.integer(0...120_000)) / 1000
        let end = start + latency
        let firstChunk = g.chance(0.03) ? start - 0.5 : start + latency * Double(g.integer(0...100)) / 100
        var metadata: Node?
        if g.chance(0.85) {
            metadata = .object([
                ("user_api_key_alias", sometimes(0.6, label(Self.agents))),
                ("user_api_key_team_alias", sometimes(0.5, label(["support", "finance"]))),
                ("user_api_key_hash", .text("88dc28d0f030c55e")),
                ("spend_logs_metadata", sometimes(0.3, .object([("variant", sometimes(0.7, label(["baseline", "finetuned"])))]))),
            ])
        } else {
            metadata = g.chance(0.3) ? .literal("null") : nil
        }
        let usage: Node = .object([
            ("prompt_tokens_details", sometimes(0.7, .object([("cached_tokens", sometimes(0.8, count()))]))),
            ("completion_tokens_details", sometimes(0.7, .object([("reasoning_tokens", sometimes(0.8, count()))]))),
        ])
        let response: Node? = g.chance(0.4) ? .object([("usage", usage), ("id", .text("chatcmpl-1"))])
            : g.chance(0.3) ? .text("redacted-by-litellm") : sometimes(0.0, .literal("null"))
        return .object([
            ("id", sometimes(0.9, .text(g.text(maximumLength: 20)))),
            ("call_type", .text("acompletion")),
            ("status", g.chance(0.97) ? .text(g.chance(0.95) ? g.pick(["success", "failure"]) : g.text(maximumLength: 8)) : nil),
            ("model", g.chance(0.97) ? label(Self.models) : sometimes(0, .literal("null"))),
            ("model_group", .text("support-bot")),
            ("startTime", g.chance(0.98) ? .literal("\(start)") : nil),
            ("endTime", g.chance(0.98) ? .literal("\(end)") : nil),
            ("completionStartTime", sometimes(0.6, .literal("\(firstChunk)"))),
            ("stream", sometimes(0.7, flag())),
            ("response_cost", sometimes(0.8, amount())),
            ("prompt_tokens", sometimes(0.85, count())),
            ("completion_tokens", sometimes(0.85, count())),
            ("metadata", metadata),
            ("error_information", sometimes(0.3, .object([
                ("error_class", sometimes(0.8, label(["RateLimitError", "Timeout", "APIConnectionError"]))),
                ("error_code", .text("429")),
            ]))),
            ("cache_hit", sometimes(0.5, flag())),
            ("response", response),
            ("messages", .array([.object([("role", .text("user")), ("content", .text(g.text()))])])),
        ])
    }

    // MARK: Envoy AI Gateway

    mutating func rfc3339() -> String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        func three(_ value: Int) -> String { value < 10 ? "00\(value)" : value < 100 ? "0\(value)" : "\(value)" }
        var text = "20\(g.integer(24...30))-\(two(g.integer(1...12)))-\(two(g.integer(1...28)))T"
            + "\(two(g.integer(0...23))):\(two(g.integer(0...59))):\(two(g.integer(0...59)))"
        if g.chance(0.8) { text += "." + three(g.integer(0...999)) }
        if g.chance(0.8) {
            text += "Z"
        } else {
            text += g.pick(["+", "-"]) + two(g.integer(0...13)) + ":" + g.pick(["00", "30", "45"])
        }
        return text
    }

    /// A number, or the same number written as a string (log shippers that stringify).
    mutating func numberOrString(_ value: Int) -> Node {
        g.chance(0.8) ? .literal(String(value)) : .plain(String(value))
    }

    mutating func envoy() -> Node {
        let newKeys = g.chance(0.5), oldKeys = !newKeys || g.chance(0.2)
        var members: [(String, Node?)] = [
            ("start_time", g.chance(0.98) ? .text(g.chance(0.99) ? rfc3339() : "yesterday") : nil),
            ("x-request-id", sometimes(0.95, .text(g.text(maximumLength: 36)))),
            ("route_name", sometimes(0.8, label(["httproute/default/support/rule/0/match/0/*", "httproute/default/qa/rule/1/match/0/*"]))),
            ("response_code", g.chance(0.97) ? numberOrString(g.pick([200, 200, 200, 201, 204, 299, 300, 400, 401, 429, 500, 503, 0])) : nil),
            ("duration", g.chance(0.97) ? numberOrString(g.chance(0.02) ? -g.integer(1...100) : g.integer(0...60_000)) : nil),
            ("response_flags", .text(g.pick(["-", "UF", "UT", "DC"]))),
            ("method", .text("POST")),
            ("bytes_sent", .literal(String(g.integer(0...10_000)))),
            ("upstream_transport_failure_reason", .literal("null")),
        ]
        if g.chance(0.2) { members.append(("gen_ai.response.model", sometimes(0.7, label(Self.models)))) }
        if newKeys {
            members += [
                ("gen_ai.request.model", sometimes(0.9, label(Self.models))),
                ("gen_ai.request.model_override", sometimes(0.3, label(Self.models))),
                ("gen_ai.provider.name", .text("default/openai/route/r/rule/0/ref/0")),
                ("gen_ai.usage.input_tokens", sometimes(0.8, g.chance(0.8) ? count() : .plain(String(g.integer(0...9999))))),
                ("gen_ai.usage.output_tokens", sometimes(0.8, count())),
            ]
        }
        if oldKeys {
            members += [
                ("genai_model_name", sometimes(0.9, label(Self.models))),
                ("genai_model_name_override", sometimes(0.3, label(Self.models))),
                ("genai_backend_name", .text("default/tars/route/aigw-run/rule/0/ref/0")),
                ("genai_tokens_input", sometimes(0.8, count())),
                ("genai_tokens_output", sometimes(0.8, count())),
            ]
        }
        return .object(members)
    }

    // MARK: Kong AI Gateway

    mutating func kong() -> Node {
        let status = g.pick([200, 200, 200, 201, 302, 399, 400, 401, 429, 500, 502])
        var proxy: Node?
        if g.chance(0.85) {
            let promptKey = g.chance(0.85) ? "prompt_tokens" : "prompt_token"
            let completionKey = promptKey == "prompt_tokens" ? "completion_tokens" : "completion_token"
            proxy = .object([
                ("usage", sometimes(0.95, .object([
                    (promptKey, sometimes(0.8, count())),
                    (completionKey, sometimes(0.8, count())),
                    ("total_tokens", count()),
                    ("cost", sometimes(0.7, amount())),
                    ("time_per_token", sometimes(0.5, .literal("18.4"))),
                    ("time_to_first_token", sometimes(0.3, .literal(g.pick(["1200", "35.5", "0"])))),
                    ("prompt_tokens_details", sometimes(0.3, .object([("cached_tokens", sometimes(0.8, count())), ("audio_tokens", .literal("0"))]))),
                    ("completion_tokens_details", sometimes(0.3, .object([("reasoning_tokens", sometimes(0.8, count()))]))),
                ]))),
                ("meta", sometimes(0.97, .object([
                    ("request_model", sometimes(0.95, label(Self.models))),
                    ("response_model", sometimes(0.6, label(Self.models))),
                    ("provider_name", .text("openai")),
                    ("plugin_id", .text("546c3856-24b3-469a-bd6c-f6083babd2cd")),
                    ("llm_latency", sometimes(0.7, count())),
                    ("request_mode", sometimes(0.6, .text(g.pick(["oneshot", "stream", "realtime"])))),
                ]))),
                ("cache", sometimes(0.2, .object([("cache_status", .text(g.pick(["Hit", "Miss", "Bypass", "Refresh"]))), ("fetch_latency", .literal("21"))]))),
            ])
        } else {
            proxy = g.chance(0.5) ? .literal("null") : nil
        }
        let rid = g.text(maximumLength: 32)
        return .object([
            ("started_at", g.chance(0.98) ? .literal(String(g.integer(1_700_000_000_000...1_900_000_000_000))) : nil),
            ("latencies", g.chance(0.98) ? .object([
                ("request", g.chance(0.98) ? .literal(String(g.chance(0.02) ? -g.integer(1...9) : g.integer(0...90_000))) : nil),
                ("kong", .literal("12")), ("proxy", .literal("2670")),
            ]) : nil),
            ("request", .object([("id", sometimes(0.7, .text(rid))), ("method", .text("POST")), ("uri", .text("/chat"))])),
            ("response", .object([
                ("status", g.chance(0.98) ? .literal(String(status)) : nil),
                ("headers", .object([("x-kong-request-id", sometimes(0.8, .text(rid))), ("content-type", .text("application/json"))])),
                ("size", .literal("1112")),
            ])),
            ("consumer", sometimes(0.7, .object([
                ("username", sometimes(0.8, label(Self.agents))),
                ("custom_id", sometimes(0.3, label(["crm-7", "crm-9"]))),
                ("id", .text("c0ffee00")),
            ]))),
            ("route", sometimes(0.9, .object([("name", sometimes(0.8, label(["support-chat", "public-faq"]))), ("id", .text("2f1d"))]))),
            ("service", .object([("name", .text("openai-service"))])),
            ("ai", g.chance(0.9) ? .object([("proxy", proxy), ("payload", .object([("request", .text("[redacted]"))]))]) : nil),
        ])
    }

    // MARK: OTLP/JSON

    mutating func keyValue(_ key: String, _ value: Node?) -> Node {
        .object([("key", .text(key)), ("value", value)])
    }

    mutating func stringValue(_ known: [String]) -> Node {
        .object([("stringValue", label(known))])
    }

    mutating func intValue() -> Node {
        let value = g.integer(0...100_000)
        // OTLP/JSON writes int64 as a string; some exporters write a number.
        return .object([("intValue", g.chance(0.7) ? .plain(String(value)) : .literal(String(value)))])
    }

    mutating func nanos(_ value: UInt64) -> Node {
        g.chance(0.8) ? .plain(String(value)) : .literal(String(value))
    }

    mutating func span() -> Node {
        let start = UInt64(g.integer(1_700_000_000...1_900_000_000)) * 1_000_000_000 + UInt64(g.integer(0...999_999_999))
        let end = g.chance(0.02) ? start - UInt64(g.integer(1...1_000_000)) : start + UInt64(g.integer(0...60_000_000_000))
        var attributes: [Node] = []
        if g.chance(0.7) {
            attributes.append(keyValue("gen_ai.operation.name", g.chance(0.98) ? stringValue(["chat", "text_completion", "embeddings"]) : .literal("null")))
            if g.chance(0.9) { attributes.append(keyValue("gen_ai.request.model", stringValue(Self.models))) }
            if g.chance(0.6) { attributes.append(keyValue("gen_ai.response.model", stringValue(Self.models))) }
            if g.chance(0.8) { attributes.append(keyValue("gen_ai.usage.input_tokens", intValue())) }
            if g.chance(0.8) { attributes.append(keyValue("gen_ai.usage.output_tokens", intValue())) }
            if g.chance(0.2) { attributes.append(keyValue("gen_ai.usage.cache_read.input_tokens", intValue())) }
            if g.chance(0.2) { attributes.append(keyValue("gen_ai.usage.reasoning.output_tokens", intValue())) }
            if g.chance(0.2) { attributes.append(keyValue("error.type", stringValue(["timeout", "openai.RateLimitError", "500"]))) }
            if g.chance(0.15) { attributes.append(keyValue("gen_ai.agent.name", stringValue(Self.agents))) }
            attributes.append(keyValue("gen_ai.request.temperature", .object([("doubleValue", .literal("0.2"))])))
        } else {
            attributes.append(keyValue("http.request.method", .object([("stringValue", .text("POST"))])))
            attributes.append(keyValue("http.response.status_code", .object([("intValue", .plain("200"))])))
        }
        attributes.shuffle(using: &g.random)
        let status: Node?
        switch g.integer(0...9) {
        case 0...3: status = nil
        case 4: status = .object([])
        case 5, 6: status = .object([("code", .literal(String(g.integer(0...2))))])
        case 7: status = .object([("code", .literal("2")), ("message", .text(g.text()))])
        case 8: status = .object([("code", .text(g.pick(["STATUS_CODE_ERROR", "STATUS_CODE_OK"])))])
        default: status = .literal("null")
        }
        return .object([
            ("traceId", .text("5b8efff798038103d269b633813fc60c")),
            ("spanId", sometimes(0.95, .text(g.chance(0.7) ? String(g.random.next(), radix: 16) : g.text(maximumLength: 16)))),
            ("name", .text(g.text(maximumLength: 10))),
            ("kind", .literal("3")),
            ("startTimeUnixNano", g.chance(0.98) ? nanos(start) : nil),
            ("endTimeUnixNano", g.chance(0.98) ? nanos(end) : nil),
            ("attributes", .array(attributes)),
            ("status", status),
        ])
    }

    mutating func otel() -> Node {
        var resources: [Node] = []
        for _ in 0..<g.integer(0...3) {
            var resourceAttributes: [Node] = [keyValue("telemetry.sdk.language", .object([("stringValue", .text("python"))]))]
            if g.chance(0.75) { resourceAttributes.append(keyValue("service.name", stringValue(Self.agents))) }
            resourceAttributes.shuffle(using: &g.random)
            var scopes: [Node] = []
            for _ in 0..<g.integer(1...2) {
                scopes.append(.object([
                    ("scope", .object([("name", .text("opentelemetry.instrumentation.openai_v2"))])),
                    ("spans", .array((0..<g.integer(0...7)).map { _ in span() })),
                ]))
            }
            resources.append(.object([
                ("resource", sometimes(0.95, .object([("attributes", .array(resourceAttributes))]))),
                ("scopeSpans", .array(scopes)),
            ]))
        }
        return .object([("resourceSpans", .array(resources))])
    }
}
