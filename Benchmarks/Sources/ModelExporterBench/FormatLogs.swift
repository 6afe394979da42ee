#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MetricsCore

/// The benchmark's log, rewritten in each preset's format: the same calls, each line shaped like
/// the fixtures of Tests/MetricsCoreTests/Fixtures/formats (which follow the gateways' own
/// documentation), so that a preset's records/s and CPU per record compare with the default
/// format's on equal work. `otel-genai` batches `spansPerLine` calls per line, as an OTLP
/// exporter does, with one non-GenAI span per batch that the preset skips.
struct FormatLogs {
    static let names = ["litellm", "envoy-ai-gateway", "kong-ai-gateway", "otel-genai"]
    static let spansPerLine = 10

    static func lines(_ format: String, records: [CallRecord]) -> [String] {
        switch format {
        case "litellm": return records.enumerated().map { litellm($1, index: $0) }
        case "envoy-ai-gateway": return records.enumerated().map { envoy($1, index: $0) }
        case "kong-ai-gateway": return records.enumerated().map { kong($1, index: $0) }
        default:
            return stride(from: 0, to: records.count, by: spansPerLine).map { start in
                otel(Array(records[start..<min(start + spansPerLine, records.count)]), first: start)
            }
        }
    }

    private static func number(_ value: Double) -> String { "\(value)" }

    static func litellm(_ call: CallRecord, index: Int) -> String {
        let start = call.timestamp - call.latencyMs / 1000
        let status = call.success ? "success" : "failure"
        let error = call.error.map { #","error_str":"litellm.\#($0)","error_information":{"error_code":"500","error_class":"\#($0)","llm_provider":"openai"}"# } ?? ""
        return #"{"id":"chatcmpl-\#(index)","trace_id":"3c1e7d0a-5b1f-4f7e-9d2a-8c1e0f2b3a4d","call_type":"acompletion","stream":false,"response_cost":\#(number(call.costUSD)),"status":"\#(status)","custom_llm_provider":"openai","total_tokens":\#((call.inputTokens ?? 0) + (call.outputTokens ?? 0)),"prompt_tokens":\#(call.inputTokens ?? 0),"completion_tokens":\#(call.outputTokens ?? 0),"startTime":\#(number(start)),"endTime":\#(number(call.timestamp)),"model":"\#(call.model)","model_id":"b3e1f0","model_group":"\#(call.agent)","api_base":"https://api.openai.com/v1","metadata":{"user_api_key_hash":"88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b","user_api_key_alias":"\#(call.agent)","user_api_key_team_id":"team-1","user_api_key_team_alias":"platform","requester_metadata":{"variant":"\#(call.variant)"}},"cache_hit":null,"request_tags":[],"messages":[{"role":"user","content":"Summarise the ticket."}],"model_parameters":{"temperature":0.2}\#(error)}"#
    }

    static func envoy(_ call: CallRecord, index: Int) -> String {
        let code = call.success ? 200 : 503
        let start = RFC3339Timestamp.format(call.timestamp - call.latencyMs / 1000)
        return #"{":authority":"ai-gateway.internal","bytes_received":105,"bytes_sent":432,"duration":\#(Int(call.latencyMs)),"method":"POST","protocol":"HTTP/1.1","response_code":\#(code),"response_code_details":"via_upstream","response_flags":"-","route_name":"httproute/default/\#(call.agent)/rule/0/match/0/*","start_time":"\#(start)","upstream_cluster":"httproute/default/\#(call.agent)/rule/0","upstream_host":"34.128.142.77:443","user-agent":"openai-python/1.54.0","x-envoy-origin-path":"/v1/chat/completions","x-request-id":"83b63da3-45a9-4196-98b8-\#(index)","gen_ai.request.model":"\#(call.model)","gen_ai.request.model_override":null,"gen_ai.provider.name":"default/openai","gen_ai.usage.input_tokens":\#(call.inputTokens ?? 0),"gen_ai.usage.output_tokens":\#(call.outputTokens ?? 0),"gen_ai.usage.total_tokens":\#((call.inputTokens ?? 0) + (call.outputTokens ?? 0))}"#
    }

    static func kong(_ call: CallRecord, index: Int) -> String {
        let status = call.success ? 200 : 502
        let startedMs = Int64((call.timestamp - call.latencyMs / 1000) * 1000)
        return #"{"request":{"method":"POST","uri":"/chat","url":"http://ai.internal:8000/chat","size":262,"querystring":{},"headers":{"content-type":"application/json","host":"ai.internal:8000"},"id":"kong-req-\#(index)"},"upstream_uri":"/v1/chat/completions","response":{"status":\#(status),"size":1112,"headers":{"content-type":"application/json"}},"client_ip":"10.1.3.9","route":{"id":"2f1d","name":"\#(call.agent)-chat","paths":["/chat"]},"service":{"id":"9c7e","name":"openai-service"},"latencies":{"kong":12,"proxy":\#(Int(call.latencyMs) - 12),"request":\#(Int(call.latencyMs)),"receive":0},"started_at":\#(startedMs),"consumer":{"id":"c0ffee00","username":"\#(call.agent)"},"ai":{"proxy":{"usage":{"prompt_tokens":\#(call.inputTokens ?? 0),"completion_tokens":\#(call.outputTokens ?? 0),"total_tokens":\#((call.inputTokens ?? 0) + (call.outputTokens ?? 0)),"cost":\#(number(call.costUSD))},"meta":{"request_model":"\#(call.model)","provider_name":"openai","response_model":"\#(call.model)","llm_latency":\#(Int(call.latencyMs))}}}}"#
    }

    static func otel(_ calls: [CallRecord], first: Int) -> String {
        var spans: [String] = []
        for (offset, call) in calls.enumerated() {
            let end = Int64(call.timestamp * 1e9)
            let start = end - Int64(call.latencyMs * 1e6)
            let status = call.success ? "{}" : #"{"code":2}"#
            spans.append(#"{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"\#(String(first + offset, radix: 16))","name":"chat \#(call.model)","kind":3,"startTimeUnixNano":"\#(start)","endTimeUnixNano":"\#(end)","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.agent.name","value":{"stringValue":"\#(call.agent)"}},{"key":"gen_ai.request.model","value":{"stringValue":"\#(call.model)"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"\#(call.inputTokens ?? 0)"}},{"key":"gen_ai.usage.output_tokens","value":{"intValue":"\#(call.outputTokens ?? 0)"}}],"status":\#(status)}"#)
        }
        spans.append(#"{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"ffff","name":"POST","kind":3,"startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[{"key":"http.request.method","value":{"stringValue":"POST"}}],"status":{}}"#)
        return #"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"gateway"}}]},"scopeSpans":[{"scope":{"name":"gateway"},"spans":[\#(spans.joined(separator: ","))]}]}]}"#
    }
}

/// Parse only, per format: RecordParser over every line of each format's log in memory.
struct FormatParseBenchmark {
    func run(_ lines: [String], format: CallLogFormat) -> (Measurement, bytes: Int) {
        let image = lines.map { Array($0.utf8) }
        var parser = RecordParser(format: format)
        var checksum = 0.0, accepted = 0
        let measurement = Measurement.time {
            for line in image {
                line.withUnsafeBytes { bytes in
                    parser.parse(bytes) { _, result in
                        if case let .success(record) = result {
                            checksum += record.latencyMs
                            accepted += 1
                        }
                    }
                }
            }
            return accepted
        }
        precondition(checksum.isFinite && accepted > 0, "\(format.name): nothing accepted")
        return (measurement, image.reduce(0) { $0 + $1.count })
    }
}

extension FormatLogs {
    /// Writes `text` to a new file at `path`.
    static func writeFile(_ text: String, to path: String) throws(BenchFailure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchFailure("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw BenchFailure("cannot write \(path): \(String(cString: strerror(errno)))") }
            done += n
        }
    }
}
