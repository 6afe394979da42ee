// Over 400 lines on purpose: the four formats' independent readings share one set of value
// rules (the contract's first-problem order), and keeping them side by side is what makes a
// difference between two presets' readings visible in review.

import Foundation
import Testing
@testable import MetricsCore

/// What a line of each preset's format means, read with Foundation's `JSONSerialization` and
/// written from the gateways' documentation (docs/formats.md cites it per field), not from the
/// preset's mapping: the oracle of PresetFixtureTests and PresetDifferentialTests.
///
/// A record is refused the way the mapping contract says (docs/formats.md, "Fields"): the first
/// field, in CallLogParser.Field order, whose value is of the wrong kind or impossible decides
/// the reason; only when every present value is usable does an absent required field make it
/// `missing_field`. A duration whose start is absent while its end is present is refused there,
/// as `missing_field`.
enum PresetTruth {
    enum Outcome: CustomStringConvertible {
        case record(CallRecord)
        case rejected(RejectReason)

        var description: String {
            switch self {
            case let .record(record): "\(record)"
            case let .rejected(reason): "rejected(\(reason.rawValue))"
            }
        }
    }

    /// Every record of the line, in order; one `invalid_json` outcome when Foundation refuses the
    /// line or it is not an object.
    static func outcomes(preset: String, line: [UInt8]) -> [Outcome] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
            return [.rejected(.invalidJSON)]
        }
        switch preset {
        case "litellm": return [litellm(object)]
        case "envoy-ai-gateway": return [envoy(object)]
        case "kong-ai-gateway": return kong(object).map { [$0] } ?? []
        case "otel-genai": return otel(object)
        default:
            Issue.record("no oracle for \(preset)")
            return []
        }
    }

    // MARK: - LiteLLM StandardLoggingPayload (litellm/types/utils.py)

    static func litellm(_ line: [String: Any]) -> Outcome {
        var reading = Reading()
        // startTime / endTime / completionStartTime are epoch seconds (floats).
        reading.timestamp(line["endTime"], secondsPerUnit: 1)
        reading.requestID(line["id"])
        reading.agent(label(member(line, "metadata", "user_api_key_alias"), member(line, "metadata", "user_api_key_team_alias"), hasDefault: true))
        reading.model(line["model"])
        reading.variant(member(line, "metadata", "spend_logs_metadata", "variant"))
        // StandardLoggingPayloadStatus is "success" or "failure".
        if let status = present(line["status"]) {
            reading.record.success = (status as? String) == "success"
        } else {
            reading.missing = true
        }
        reading.error(member(line, "error_information", "error_class"))
        reading.latency(end: line["endTime"], start: line["startTime"], millisecondsPerUnit: 1000)
        reading.cost(line["response_cost"])
        reading.record.inputTokens = reading.count(line["prompt_tokens"])
        reading.record.outputTokens = reading.count(line["completion_tokens"])
        reading.record.stream = reading.flag(line["stream"])
        reading.ttft(end: line["completionStartTime"], start: line["startTime"], millisecondsPerUnit: 1000)
        reading.record.cachedInputTokens = reading.count(member(line, "response", "usage", "prompt_tokens_details", "cached_tokens"))
        reading.record.reasoningTokens = reading.count(member(line, "response", "usage", "completion_tokens_details", "reasoning_tokens"))
        reading.record.cacheHit = reading.flag(line["cache_hit"])
        return reading.outcome
    }

    // MARK: - Envoy AI Gateway JSON access log (site/docs/capabilities/observability/accesslogs.md)

    static func envoy(_ line: [String: Any]) -> Outcome {
        var reading = Reading()
        // %START_TIME% is the only time the documented format writes.
        reading.rfc3339(line["start_time"])
        reading.requestID(line["x-request-id"])
        reading.agent(label(line["route_name"], hasDefault: true))
        reading.model(label(
            line["gen_ai.response.model"], line["gen_ai.request.model_override"], line["genai_model_name_override"],
            line["gen_ai.request.model"], line["genai_model_name"], hasDefault: false
        ))
        reading.success(statusCode: line["response_code"], in: 200...299)
        reading.duration(line["duration"], millisecondsPerUnit: 1)
        reading.record.inputTokens = reading.count(first(line["gen_ai.usage.input_tokens"], line["genai_tokens_input"]))
        reading.record.outputTokens = reading.count(first(line["gen_ai.usage.output_tokens"], line["genai_tokens_output"]))
        return reading.outcome
    }

    // MARK: - Kong log-plugin entry with the AI Proxy section (ai-audit-log-reference, file-log)

    /// nil for an entry without `ai.proxy`: not an LLM call, skipped.
    static func kong(_ line: [String: Any]) -> Outcome? {
        guard let proxy = present(member(line, "ai", "proxy")) else { return nil }
        let usage = (proxy as? [String: Any])?["usage"]
        let meta = (proxy as? [String: Any])?["meta"]
        var reading = Reading()
        // started_at is epoch milliseconds.
        reading.timestamp(line["started_at"], secondsPerUnit: 1e-3)
        reading.requestID(first(member(line, "request", "id"), member(line, "response", "headers", "x-kong-request-id")))
        reading.agent(label(member(line, "consumer", "username"), member(line, "consumer", "custom_id"), member(line, "route", "name"), hasDefault: true))
        reading.model(label(member(meta, "response_model"), member(meta, "request_model"), hasDefault: false))
        reading.success(statusCode: member(line, "response", "status"), in: 100...399)
        reading.duration(member(line, "latencies", "request"), millisecondsPerUnit: 1)
        reading.cost(member(usage, "cost"))
        reading.record.inputTokens = reading.count(first(member(usage, "prompt_tokens"), member(usage, "prompt_token")))
        reading.record.outputTokens = reading.count(first(member(usage, "completion_tokens"), member(usage, "completion_token")))
        // request_mode is oneshot, stream or realtime.
        if let mode = present(member(meta, "request_mode")) { reading.record.stream = (mode as? String) == "stream" }
        if let ttft = present(member(usage, "time_to_first_token")) {
            reading.record.ttftMs = reading.milliseconds(ttft, factor: 1)
        }
        reading.record.cachedInputTokens = reading.count(member(usage, "prompt_tokens_details", "cached_tokens"))
        reading.record.reasoningTokens = reading.count(member(usage, "completion_tokens_details", "reasoning_tokens"))
        // cache_status is Hit, Miss, Bypass or Refresh.
        if let status = present(member(proxy, "cache", "cache_status")) { reading.record.cacheHit = (status as? String) == "Hit" }
        return reading.outcome
    }

    // MARK: - OTLP/JSON ExportTraceServiceRequest with GenAI spans

    static func otel(_ line: [String: Any]) -> [Outcome] {
        var outcomes: [Outcome] = []
        for resourceSpans in line["resourceSpans"] as? [Any] ?? [] {
            let resourceAttributes = member(resourceSpans, "resource", "attributes")
            for scopeSpans in (resourceSpans as? [String: Any])?["scopeSpans"] as? [Any] ?? [] {
                for span in (scopeSpans as? [String: Any])?["spans"] as? [Any] ?? [] {
                    let attributes = (span as? [String: Any])?["attributes"]
                    // Model-call spans are those whose gen_ai.operation.name is one of the four
                    // model operations; HTTP, agent and tool spans are skipped.
                    let operation = (attribute(attributes, "gen_ai.operation.name") as? [String: Any])?["stringValue"] as? String
                    guard let operation, ["chat", "generate_content", "text_completion", "embeddings"].contains(operation) else { continue }
                    outcomes.append(otelSpan(span as? [String: Any] ?? [:], attributes: attributes, resource: resourceAttributes))
                }
            }
        }
        return outcomes
    }

    static func otelSpan(_ span: [String: Any], attributes: Any?, resource: Any?) -> Outcome {
        func text(_ key: String, in list: Any?) -> Any? { member(attribute(list, key), "stringValue") }
        func integer(_ key: String) -> Any? { member(attribute(attributes, key), "intValue") }
        var reading = Reading()
        reading.timestamp(span["endTimeUnixNano"], secondsPerUnit: 1e-9)
        reading.requestID(span["spanId"])
        reading.agent(label(text("gen_ai.agent.name", in: attributes), text("service.name", in: resource), hasDefault: true))
        reading.model(label(text("gen_ai.response.model", in: attributes), text("gen_ai.request.model", in: attributes), hasDefault: false))
        // Status.code: 0 UNSET, 1 OK, 2 ERROR (enum as an integer in OTLP/JSON, or its name).
        if let code = present(member(span, "status", "code")) {
            let isError = (code as? NSNumber).map { !isBoolean($0) && $0.stringValue == "2" } ?? false
                || ["2", "STATUS_CODE_ERROR"].contains(code as? String)
            reading.record.success = !isError
        } else {
            reading.record.success = true
        }
        reading.error(text("error.type", in: attributes))
        reading.latency(end: span["endTimeUnixNano"], start: span["startTimeUnixNano"], millisecondsPerUnit: 1e-6)
        reading.record.inputTokens = reading.count(integer("gen_ai.usage.input_tokens"))
        reading.record.outputTokens = reading.count(integer("gen_ai.usage.output_tokens"))
        reading.record.cachedInputTokens = reading.count(integer("gen_ai.usage.cache_read.input_tokens"))
        reading.record.reasoningTokens = reading.count(integer("gen_ai.usage.reasoning.output_tokens"))
        return reading.outcome
    }

    /// The `value` of the KeyValue whose `key` is `key` in an OTLP attribute list.
    static func attribute(_ list: Any?, _ key: String) -> Any? {
        guard let list = list as? [Any] else { return nil }
        for case let pair as [String: Any] in list where pair["key"] as? String == key {
            return pair["value"]
        }
        return nil
    }

    // MARK: - Values

    /// nil for absent and for JSON null.
    static func present(_ value: Any?) -> Any? {
        guard let value, !(value is NSNull) else { return nil }
        return value
    }

    static func first(_ values: Any?...) -> Any? {
        values.lazy.compactMap { present($0) }.first
    }

    /// The first usable label: as `first`, but an empty string falls through to the next
    /// candidate, or to the default when `hasDefault`; on the last candidate it is kept (and refused).
    static func label(_ values: Any?..., hasDefault: Bool) -> Any? {
        let candidates = values.compactMap { present($0) }
        for (index, value) in candidates.enumerated() {
            if (value as? String) == "", index < candidates.count - 1 || hasDefault { continue }
            return value
        }
        return nil
    }

    static func member(_ value: Any?, _ keys: String...) -> Any? {
        var current = value
        for key in keys {
            guard let object = current as? [String: Any] else { return nil }
            current = object[key]
        }
        return current
    }

    static func isBoolean(_ number: NSNumber) -> Bool {
        CallLogParserDifferentialTests.isBoolean(number)
    }

    /// A JSON number, or a string holding one in JSON's own spelling (docs/formats.md:
    /// OTLP/JSON writes 64-bit integers as strings).
    static func numeral(_ value: Any) -> String? {
        if let number = value as? NSNumber, !isBoolean(number) {
            return (number as? NSDecimalNumber)?.stringValue ?? number.stringValue
        }
        guard let text = value as? String, text.range(of: #"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$"#, options: .regularExpression) != nil else {
            return nil
        }
        return text
    }

    static func double(_ value: Any) -> Double? {
        if let number = value as? NSNumber, !isBoolean(number), !(number is NSDecimalNumber) { return number.doubleValue }
        return numeral(value).flatMap(Double.init)
    }

    /// Accumulates a record field by field, keeping the first refusal.
    struct Reading {
        var record = CallRecord(timestamp: 0, agent: "", model: "", success: false, latencyMs: 0)
        var failure: RejectReason?
        var missing = false

        var outcome: Outcome {
            if let failure { return .rejected(failure) }
            return missing ? .rejected(.missingField) : .record(record)
        }

        mutating func fail(_ reason: RejectReason) {
            if failure == nil { failure = reason }
        }

        mutating func text(_ value: Any?, required: Bool) -> String? {
            guard let value = present(value) else {
                if required { missing = true }
                return nil
            }
            guard let text = value as? String else {
                fail(.wrongType)
                return nil
            }
            return text
        }

        mutating func timestamp(_ value: Any?, secondsPerUnit: Double) {
            guard let value = present(value) else { return missing = true }
            guard let number = double(value) else { return fail(.wrongType) }
            let seconds = number * secondsPerUnit
            guard seconds.isFinite, seconds >= 0 else { return fail(.invalidValue) }
            record.timestamp = seconds
        }

        mutating func rfc3339(_ value: Any?) {
            guard let value = present(value) else { return missing = true }
            guard let text = value as? String else { return fail(.wrongType) }
            guard let date = PresetTruth.rfc3339(text) else { return fail(.invalidTimestamp) }
            record.timestamp = date
        }

        mutating func requestID(_ value: Any?) {
            record.requestID = text(value, required: false)
        }

        mutating func agent(_ value: Any?) {
            guard present(value) != nil else { return record.agent = "unknown" }
            guard let text = text(value, required: true) else { return }
            if text.isEmpty { fail(.invalidValue) }
            record.agent = text
        }

        mutating func model(_ value: Any?) {
            guard let text = text(value, required: true) else { return }
            if text.isEmpty { fail(.invalidValue) }
            record.model = text
        }

        mutating func variant(_ value: Any?) {
            record.variant = text(value, required: false) ?? "baseline"
        }

        mutating func error(_ value: Any?) {
            record.error = text(value, required: false)
        }

        mutating func success(statusCode value: Any?, in range: ClosedRange<Double>) {
            guard let value = present(value) else { return missing = true }
            guard let code = double(value) else { return fail(.wrongType) }
            record.success = range.contains(code)
        }

        mutating func milliseconds(_ value: Any, factor: Double) -> Double? {
            guard let number = double(value) else {
                fail(.wrongType)
                return nil
            }
            let milliseconds = number * factor
            guard milliseconds.isFinite, milliseconds >= 0 else {
                fail(.invalidValue)
                return nil
            }
            return milliseconds + 0
        }

        mutating func duration(_ value: Any?, millisecondsPerUnit: Double) {
            guard let value = present(value) else { return missing = true }
            record.latencyMs = milliseconds(value, factor: millisecondsPerUnit) ?? 0
        }

        /// `end − start`, exact in integers when both are integral (nanosecond epochs).
        mutating func difference(end: Any, start: Any?, millisecondsPerUnit: Double) -> Double? {
            guard let start = present(start) else {
                fail(.missingField)
                return nil
            }
            guard let endText = numeral(end), let startText = numeral(start),
                  let endValue = Double(endText), let startValue = Double(startText) else {
                fail(.wrongType)
                return nil
            }
            var delta = (endValue - startValue) * millisecondsPerUnit
            if let endInteger = Int64(endText), let startInteger = Int64(startText), endInteger >= 0, startInteger >= 0 {
                delta = Double(endInteger - startInteger) * millisecondsPerUnit
            }
            guard delta.isFinite, delta >= 0 else {
                fail(.invalidValue)
                return nil
            }
            return delta + 0
        }

        mutating func latency(end: Any?, start: Any?, millisecondsPerUnit: Double) {
            guard let end = present(end) else { return missing = true }
            record.latencyMs = difference(end: end, start: start, millisecondsPerUnit: millisecondsPerUnit) ?? 0
        }

        mutating func ttft(end: Any?, start: Any?, millisecondsPerUnit: Double) {
            guard let end = present(end) else { return }
            record.ttftMs = difference(end: end, start: start, millisecondsPerUnit: millisecondsPerUnit)
        }

        mutating func cost(_ value: Any?) {
            guard let value = present(value) else { return }
            guard let amount = double(value) else { return fail(.wrongType) }
            guard amount.isFinite, amount >= 0 else { return fail(.invalidValue) }
            record.costUSD = amount + 0
        }

        mutating func count(_ value: Any?) -> Int64? {
            guard let value = present(value) else { return nil }
            guard let text = numeral(value) else {
                fail(.wrongType)
                return nil
            }
            guard let count = Int64(text) else {
                fail(text.contains(where: { ".eE".contains($0) }) ? .wrongType : .invalidValue)
                return nil
            }
            guard count >= 0 else {
                fail(.invalidValue)
                return nil
            }
            return count
        }

        mutating func flag(_ value: Any?) -> Bool? {
            guard let value = present(value) else { return nil }
            guard let number = value as? NSNumber, isBoolean(number) else {
                fail(.wrongType)
                return nil
            }
            return number.boolValue
        }
    }

    /// RFC 3339 with Foundation's ISO 8601 parser, with or without fractional seconds.
    static func rfc3339(_ text: String) -> Double? {
        (withFraction.date(from: text) ?? withoutFraction.date(from: text))?.timeIntervalSince1970
    }

    // Formatters are costly to make; the tests only read through them.
    nonisolated(unsafe) static let withFraction: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()

    nonisolated(unsafe) static let withoutFraction: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter
    }()

    // MARK: - Comparison

    /// Engine output against the oracle: same records in the same order, strings byte for byte,
    /// times to 1e-6 s and durations to 1e-6 ms.
    static func expectAgreement(_ parsed: [ParsedRecord], _ expected: [Outcome], _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let comment = Comment(rawValue: context)
        #expect(parsed.map(\.index) == Array(0..<parsed.count), comment, sourceLocation: sourceLocation)
        guard parsed.count == expected.count else {
            Issue.record("\(context): \(parsed.count) records, expected \(expected.count): \(parsed) vs \(expected)", sourceLocation: sourceLocation)
            return
        }
        for (got, want) in zip(parsed, expected) {
            switch (got.result, want) {
            case let (.success(record), .record(truth)):
                expectClose(record, truth, "\(context) [\(got.index)]", sourceLocation: sourceLocation)
            case let (.failure(rejection), .rejected(reason)):
                if reason == .invalidJSON {
                    #expect([.invalidJSON, .invalidUTF8, .emptyLine].contains(rejection.reason), comment, sourceLocation: sourceLocation)
                } else {
                    #expect(rejection.reason == reason, "\(context) [\(got.index)]: \(rejection.detail)", sourceLocation: sourceLocation)
                }
            case let (.success(record), .rejected(reason)):
                Issue.record("\(context) [\(got.index)]: accepted \(record), expected \(reason.rawValue)", sourceLocation: sourceLocation)
            case let (.failure(rejection), .record(truth)):
                Issue.record("\(context) [\(got.index)]: refused (\(rejection.detail)), expected \(truth)", sourceLocation: sourceLocation)
            }
        }
    }

    static func expectClose(_ record: CallRecord, _ truth: CallRecord, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let comment = Comment(rawValue: context)
        func bytes(_ text: String?) -> [UInt8]? { text.map { Array($0.utf8) } }
        func close(_ a: Double?, _ b: Double?) -> Bool {
            switch (a, b) {
            case (nil, nil): true
            case let (a?, b?): abs(a - b) <= 1e-6
            default: false
            }
        }
        #expect(close(record.timestamp, truth.timestamp), "\(context): ts \(record.timestamp) vs \(truth.timestamp)", sourceLocation: sourceLocation)
        #expect(close(record.latencyMs, truth.latencyMs), "\(context): latency \(record.latencyMs) vs \(truth.latencyMs)", sourceLocation: sourceLocation)
        #expect(close(record.ttftMs, truth.ttftMs), "\(context): ttft \(String(describing: record.ttftMs)) vs \(String(describing: truth.ttftMs))", sourceLocation: sourceLocation)
        #expect(record.costUSD == truth.costUSD, comment, sourceLocation: sourceLocation)
        #expect(bytes(record.requestID) == bytes(truth.requestID), comment, sourceLocation: sourceLocation)
        #expect(bytes(record.agent) == bytes(truth.agent), "\(context): agent \(record.agent.debugDescription) vs \(truth.agent.debugDescription)", sourceLocation: sourceLocation)
        #expect(bytes(record.model) == bytes(truth.model), "\(context): model \(record.model.debugDescription) vs \(truth.model.debugDescription)", sourceLocation: sourceLocation)
        #expect(bytes(record.variant) == bytes(truth.variant), comment, sourceLocation: sourceLocation)
        #expect(bytes(record.fallbackModel) == bytes(truth.fallbackModel), comment, sourceLocation: sourceLocation)
        #expect(bytes(record.error) == bytes(truth.error), comment, sourceLocation: sourceLocation)
        #expect(record.success == truth.success, "\(context): success", sourceLocation: sourceLocation)
        #expect(record.fallback == truth.fallback, comment, sourceLocation: sourceLocation)
        #expect(record.inputTokens == truth.inputTokens, "\(context): input tokens", sourceLocation: sourceLocation)
        #expect(record.outputTokens == truth.outputTokens, "\(context): output tokens", sourceLocation: sourceLocation)
        #expect(record.stream == truth.stream, "\(context): stream", sourceLocation: sourceLocation)
        #expect(record.cachedInputTokens == truth.cachedInputTokens, "\(context): cached tokens", sourceLocation: sourceLocation)
        #expect(record.reasoningTokens == truth.reasoningTokens, "\(context): reasoning tokens", sourceLocation: sourceLocation)
        #expect(record.cacheHit == truth.cacheHit, "\(context): cache hit", sourceLocation: sourceLocation)
    }
}
