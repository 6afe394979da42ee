// The `envoy-ai-gateway` preset (docs/formats.md cites where each field's meaning comes from).

extension FormatPreset {
    static let envoyAIGateway = FormatPreset(
        name: "envoy-ai-gateway",
        summary: "one Envoy AI Gateway JSON access-log entry, with the older genai_* or the newer gen_ai.* keys",
        yaml: """
        name: envoy-ai-gateway
        fields:
          ts:            {path: start_time, unit: rfc3339}
          request_id:    {path: x-request-id}
          agent:         {path: route_name, default: unknown}
          model:         {path: ['["gen_ai.response.model"]', '["gen_ai.request.model_override"]', genai_model_name_override, '["gen_ai.request.model"]', genai_model_name]}
          success:       {path: response_code, range: [200, 299]}
          latency_ms:    {path: duration, unit: ms}
          input_tokens:  {path: ['["gen_ai.usage.input_tokens"]', genai_tokens_input]}
          output_tokens: {path: ['["gen_ai.usage.output_tokens"]', genai_tokens_output]}
        """
    )
}
