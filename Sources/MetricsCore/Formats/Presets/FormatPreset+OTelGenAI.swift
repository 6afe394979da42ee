// The `otel-genai` preset (docs/formats.md cites where each field's meaning comes from).

extension FormatPreset {
    static let otelGenAI = FormatPreset(
        name: "otel-genai",
        summary: "one OTLP/JSON ExportTraceServiceRequest per line (Collector file exporter); each GenAI span is a call",
        yaml: """
        name: otel-genai
        records: "resourceSpans[*].scopeSpans[*].spans[*]"
        require: {path: "attributes[key=gen_ai.operation.name].value.stringValue", in: [chat, generate_content, text_completion, embeddings]}
        fields:
          ts:                  {path: endTimeUnixNano, unit: ns}
          request_id:          {path: spanId}
          agent:               {path: ["attributes[key=gen_ai.agent.name].value.stringValue", "$.resourceSpans[*].resource.attributes[key=service.name].value.stringValue"], default: unknown}
          model:               {path: ["attributes[key=gen_ai.response.model].value.stringValue", "attributes[key=gen_ai.request.model].value.stringValue"]}
          success:             {path: status.code, map: {"2": false, STATUS_CODE_ERROR: false, "*": true}, default: true}
          error:               {path: "attributes[key=error.type].value.stringValue"}
          latency_ms:          {path: endTimeUnixNano, minus: startTimeUnixNano, unit: ns}
          input_tokens:        {path: "attributes[key=gen_ai.usage.input_tokens].value.intValue"}
          output_tokens:       {path: "attributes[key=gen_ai.usage.output_tokens].value.intValue"}
          cached_input_tokens: {path: "attributes[key=gen_ai.usage.cache_read.input_tokens].value.intValue"}
          reasoning_tokens:    {path: "attributes[key=gen_ai.usage.reasoning.output_tokens].value.intValue"}
        """
    )
}
