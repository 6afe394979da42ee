import Foundation

/// OTLP/JSON `ExportTraceServiceRequest` lines as the Collector's file exporter writes them:
/// one per line, one to three resources (agents) each, one to twenty spans per scope, some of
/// them not GenAI spans (an HTTP client span), which `otel-genai` must skip. The expected calls
/// are kept alongside, computed from the values written, not by parsing.
struct OTLPBatchLines {
    struct Span: Equatable {
        var spanID: String
        var agent: String
        var model: String
        var success: Bool
        var latencyNanos: Int64
        var inputTokens: Int64
        var outputTokens: Int64
    }

    private var state: UInt64
    private var spanCounter: UInt64 = 0
    private var clock: Int64 = 1_796_292_000_000_000_000
    /// Every GenAI span written, in file order.
    private(set) var genAISpans: [Span] = []

    init(seed: UInt64) {
        state = seed
    }

    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    static let agents = ["qa_agent", "legal_agent", "support_agent", "content_agent"]
    static let models = ["gpt-4o-mini", "claude-sonnet-4", "ft:gpt-4o-mini:acme:legal:1"]

    mutating func nextLine() -> String {
        var resources: [String] = []
        for _ in 0..<(1 + below(3)) {
            let agent = Self.agents[below(Self.agents.count)]
            var spans: [String] = []
            for _ in 0..<(1 + below(20)) {
                spanCounter += 1
                let spanID = String(format: "%016llx", spanCounter)
                let latency = Int64(50_000_000 + below(4_000_000_000))
                let start = clock
                clock += Int64(1_000_000 + below(50_000_000))
                let end = start + latency
                if below(6) == 0 {
                    spans.append(#"{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"\#(spanID)","name":"POST","kind":3,"startTimeUnixNano":"\#(start)","endTimeUnixNano":"\#(end)","attributes":[{"key":"http.request.method","value":{"stringValue":"POST"}}],"status":{}}"#)
                    continue
                }
                let model = Self.models[below(Self.models.count)]
                let success = below(20) != 0
                let input = Int64(10 + below(4000)), output = Int64(below(900))
                let status = success ? #"{}"# : #"{"code":2,"message":"upstream 503"}"#
                let error = success ? "" : #",{"key":"error.type","value":{"stringValue":"server_error"}}"#
                spans.append(#"{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"\#(spanID)","parentSpanId":"","name":"chat \#(model)","kind":3,"startTimeUnixNano":"\#(start)","endTimeUnixNano":"\#(end)","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.request.model","value":{"stringValue":"\#(model)"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"\#(input)"}},{"key":"gen_ai.usage.output_tokens","value":{"intValue":"\#(output)"}}\#(error)],"status":\#(status)}"#)
                genAISpans.append(Span(spanID: spanID, agent: agent, model: model, success: success, latencyNanos: latency,
                                       inputTokens: input, outputTokens: output))
            }
            resources.append(#"{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"\#(agent)"}}]},"scopeSpans":[{"scope":{"name":"gateway"},"spans":[\#(spans.joined(separator: ","))]}]}"#)
        }
        return #"{"resourceSpans":[\#(resources.joined(separator: ","))]}"#
    }
}
