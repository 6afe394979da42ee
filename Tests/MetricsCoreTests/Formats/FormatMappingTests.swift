import Testing
@testable import MetricsCore

/// The mapping engine on mappings written here: paths, fallbacks, units, value maps, ranges,
/// several records per line, and the problems a mapping can have.
struct FormatMappingTests {
    static let custom = """
    name: my-gateway
    fields:
      ts:         {path: finished_at, unit: rfc3339}
      request_id: {path: id}
      agent:      {path: [caller.alias, caller.team], default: unknown}
      model:      {path: [response.model, request.model]}
      variant:    {path: labels.arm, default: baseline}
      success:    {path: outcome, map: {ok: true, "*": false}}
      latency_ms: {path: finished_at, minus: started_at, unit: rfc3339}
      cost_usd:   {path: usage.cost}
      input_tokens:  {path: usage.prompt}
      output_tokens: {path: usage.completion}
      stream: {path: "[\\"gen_ai.stream\\"]"}
    """

    func parse(_ yaml: String, _ line: String) throws -> [ParsedRecord] {
        var parser = RecordParser(format: try CallLogFormat(yaml: yaml))
        return parser.parse(Array(line.utf8))
    }

    func record(_ parsed: [ParsedRecord], _ index: Int = 0) throws -> CallRecord {
        try #require(parsed.count > index)
        return try parsed[index].result.get()
    }

    @Test func aNestedRenamedLogIsRead() throws {
        let line = #"{"id":"r1","finished_at":"2026-12-03T10:00:01.500Z","started_at":"2026-12-03T10:00:00Z","caller":{"team":"legal"},"request":{"model":"m-base"},"response":{"model":"m-ft"},"labels":{"arm":"finetuned"},"outcome":"ok","usage":{"cost":0.25,"prompt":12,"completion":"7"},"gen_ai.stream":true}"#
        let parsed = try parse(Self.custom, line)
        let call = try record(parsed)
        #expect(call == CallRecord(
            timestamp: 1_796_292_001.5, requestID: "r1", agent: "legal", model: "m-ft", variant: "finetuned",
            success: true, latencyMs: 1500, costUSD: 0.25, inputTokens: 12, outputTokens: 7, stream: true
        ))
    }

    @Test func defaultsApplyAndTheValueMapHasAnOtherwise() throws {
        let line = #"{"finished_at":"2026-12-03T10:00:01Z","started_at":"2026-12-03T10:00:00Z","request":{"model":"m"},"outcome":"boom"}"#
        let call = try record(try parse(Self.custom, line))
        #expect(call.agent == "unknown")
        #expect(call.variant == "baseline")
        #expect(call.success == false)
        #expect(call.costUSD == 0)
        #expect(call.inputTokens == nil)
    }

    @Test func aMissingRequiredFieldNamesItsPaths() throws {
        let line = #"{"finished_at":"2026-12-03T10:00:01Z","started_at":"2026-12-03T10:00:00Z","outcome":"ok"}"#
        let parsed = try parse(Self.custom, line)
        #expect(parsed.count == 1)
        guard case let .failure(rejection) = parsed[0].result else { Issue.record("accepted"); return }
        #expect(rejection.reason == .missingField)
        #expect(rejection.detail == #"missing required field "model" (response.model | request.model)"#)
    }

    @Test func wrongTypesAndNegativeDurationsAreRefusedWithTheField() throws {
        let negative = #"{"finished_at":"2026-12-03T10:00:00Z","started_at":"2026-12-03T10:00:01Z","request":{"model":"m"},"outcome":"ok"}"#
        guard case let .failure(first) = try parse(Self.custom, negative)[0].result else { Issue.record("accepted"); return }
        #expect(first.reason == .invalidValue)
        #expect(first.detail.hasPrefix(#"field "latency_ms" (finished_at - started_at) must not be negative"#))
        let wrong = #"{"finished_at":"2026-12-03T10:00:01Z","started_at":"2026-12-03T10:00:00Z","request":{"model":"m"},"outcome":"ok","usage":{"prompt":1.5}}"#
        guard case let .failure(second) = try parse(Self.custom, wrong)[0].result else { Issue.record("accepted"); return }
        #expect(second.reason == .wrongType)
        #expect(second.detail.contains("input_tokens"))
        guard case let .failure(syntax) = try parse(Self.custom, #"{"id": }"#)[0].result else { Issue.record("accepted"); return }
        #expect(syntax.reason == .invalidJSON)
    }

    static let spans = """
    records: "resourceSpans[*].scopeSpans[*].spans[*]"
    require: "attributes[key=gen_ai.operation.name]"
    fields:
      ts: {path: endTimeUnixNano, unit: ns}
      request_id: {path: spanId}
      agent: {path: "$.resourceSpans[*].resource.attributes[key=service.name].value.stringValue"}
      model: {path: ["attributes[key=gen_ai.response.model].value.stringValue", "attributes[key=gen_ai.request.model].value.stringValue"]}
      success: {path: status.code, map: {"2": false, "*": true}, default: true}
      latency_ms: {path: endTimeUnixNano, minus: startTimeUnixNano, unit: ns}
      input_tokens: {path: "attributes[key=gen_ai.usage.input_tokens].value.*"}
    """

    @Test func manySpansPerLineWithContextFromTheResource() throws {
        func span(_ id: String, model: String?, genAI: Bool, error: Bool = false) -> String {
            var attributes: [String] = []
            if genAI { attributes.append(#"{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}}"#) }
            if let model { attributes.append(#"{"value":{"stringValue":"\#(model)"},"key":"gen_ai.request.model"}"#) }
            attributes.append(#"{"key":"gen_ai.usage.input_tokens","value":{"intValue":"42"}}"#)
            let status = error ? #","status":{"code":2}"# : ""
            return #"{"spanId":"\#(id)","startTimeUnixNano":"1796292000000000000","endTimeUnixNano":"1796292000250000001","attributes":[\#(attributes.joined(separator: ","))]\#(status)}"#
        }
        let line = #"{"resourceSpans":[{"scopeSpans":[{"spans":[\#(span("a", model: "m1", genAI: true)),\#(span("b", model: nil, genAI: false)),\#(span("c", model: nil, genAI: true))]}],"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"qa_agent"}}]}},{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"legal_agent"}}]},"scopeSpans":[{"spans":[\#(span("d", model: "m2", genAI: true, error: true))]}]}]}"#
        let parsed = try parse(Self.spans, line)
        #expect(parsed.map(\.index) == [0, 1, 2])
        let first = try record(parsed, 0)
        #expect(first.agent == "qa_agent")
        #expect(first.model == "m1")
        #expect(first.requestID == "a")
        #expect(first.inputTokens == 42)
        #expect(first.success)
        #expect(abs(first.latencyMs - 250.000001) < 1e-9)
        #expect(abs(first.timestamp - 1_796_292_000.25) < 1e-6)
        guard case let .failure(rejection) = parsed[1].result else { Issue.record("accepted"); return }
        #expect(rejection.reason == .missingField)
        let last = try record(parsed, 2)
        #expect(last.agent == "legal_agent")
        #expect(last.model == "m2")
        #expect(!last.success)
    }

    @Test func aLineWithOnlyOtherSpansHasNoRecords() throws {
        let line = #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"x","attributes":[]}]}]}]}"#
        #expect(try parse(Self.spans, line).isEmpty)
    }

    @Test func requireWithValuesSkipsRecordsOfOtherKinds() throws {
        let yaml = """
        records: "items[*]"
        require: {path: kind, in: [call, "7"]}
        fields: {ts: t, agent: {const: a}, model: m, success: {const: true}, latency_ms: d}
        """
        let line = #"{"items":[{"kind":"call","t":1,"m":"x","d":1},{"kind":"tool","t":1,"d":1},{"kind":7,"t":2,"m":"y","d":2},{"t":3}]}"#
        let parsed = try parse(yaml, line)
        #expect(parsed.map(\.index) == [0, 1])
        #expect(try parsed.map { try $0.result.get().model } == ["x", "y"])
        #expect(throws: FormatMappingError.self) { try CallLogFormat(yaml: "require: {path: kind}\n" + yaml.split(separator: "\n").last!) }
    }

    @Test func statusCodeRangesDeriveSuccess() throws {
        let yaml = """
        fields:
          ts: {path: t, unit: ms}
          agent: {const: gateway}
          model: {path: m}
          success: {path: code, range: [200, 299]}
          latency_ms: {path: d, unit: s}
        """
        let ok = try record(try parse(yaml, #"{"t":1796292000000,"m":"x","code":204,"d":0.5}"#))
        #expect(ok.success && ok.agent == "gateway" && ok.latencyMs == 500 && ok.timestamp == 1_796_292_000)
        let failed = try record(try parse(yaml, #"{"t":1796292000000,"m":"x","code":503,"d":0.5}"#))
        #expect(!failed.success)
    }

    @Test(arguments: [
        ("fields: {latency: x}", "fields.latency: unknown field"),
        ("fields: {ts: {path: a..b}}", "fields.ts: the path a..b has an empty step"),
        ("fields: {cost_usd: {path: c, unit: ms}}", "fields.cost_usd.unit: only timestamps and durations have units"),
        ("fields: {success: {path: s, minus: t}}", "fields.success.minus: only durations"),
        ("fields: {model: {path: m, const: x}}", "fields.model has both path and const"),
        ("fields: {ts: {path: t, unit: hours}}", "fields.ts.unit must be one of"),
        ("fields: {ts: t}", "fields.agent is required"),
        ("fields: {ts: t, ts: u}", "not valid YAML"),
        ("fields: {ts: \"a[*].b\"}", "only records may have"),
    ])
    func aBadMappingSaysWhatIsWrong(yaml: String, problem: String) {
        #expect(throws: FormatMappingError.self) { try CallLogFormat(yaml: yaml) }
        do {
            _ = try CallLogFormat(yaml: yaml)
        } catch {
            #expect(error.problems.contains { $0.contains(problem) }, "\(error.problems)")
        }
    }

    @Test func theDefaultFormatIsTheStrictParser() throws {
        var parser = RecordParser(format: .default)
        let parsed = parser.parse(Array(#"{"ts":1796292000,"agent":"a","model":"m","success":true,"latency_ms":5}"#.utf8))
        #expect(parsed.count == 1)
        #expect(try parsed[0].result.get().agent == "a")
    }
}

/// Prices for formats that log tokens but no cost.
struct ModelPricingTests {
    @Test func aMappingWithoutCostIsPricedFromTokens() throws {
        var format = try CallLogFormat(yaml: """
            fields:
              ts: t
              agent: {const: a}
              model: m
              success: {const: true}
              latency_ms: d
              cost_usd: c
              input_tokens: i
              output_tokens: o
            """)
        format.pricing = try ModelPricing.parse("priced=3/15, other.model=1/1").get()
        var parser = RecordParser(format: format)
        func cost(_ line: String) throws -> Double { try parser.parse(Array(line.utf8))[0].result.get().costUSD }
        #expect(abs(try cost(#"{"t":1,"m":"priced","d":1,"i":2000,"o":100}"#) - 0.0075) < 1e-12)
        // The log's own cost wins; an unpriced model stays at 0.
        #expect(try cost(#"{"t":1,"m":"priced","d":1,"i":2000,"o":100,"c":0.5}"#) == 0.5)
        #expect(try cost(#"{"t":1,"m":"unknown","d":1,"i":2000,"o":100}"#) == 0)
    }

    @Test(arguments: ["m=1", "m=a/b", "=1/2", "m=-1/2", "m=1/2,m=3/4"])
    func aBadPriceListIsRefused(text: String) {
        #expect(throws: FormatMappingError.self) { try ModelPricing.parse(text).get() }
    }
}
