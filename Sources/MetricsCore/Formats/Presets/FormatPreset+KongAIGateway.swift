// The `kong-ai-gateway` preset (docs/formats.md cites where each field's meaning comes from).

extension FormatPreset {
    static let kongAIGateway = FormatPreset(
        name: "kong-ai-gateway",
        summary: "one Kong log-plugin JSON entry with AI Proxy's ai.proxy section (entries without it are skipped)",
        yaml: """
        name: kong-ai-gateway
        require: ai.proxy
        fields:
          ts:                  {path: started_at, unit: ms}
          request_id:          {path: [request.id, response.headers.x-kong-request-id]}
          agent:               {path: [consumer.username, consumer.custom_id, route.name], default: unknown}
          model:               {path: [ai.proxy.meta.response_model, ai.proxy.meta.request_model]}
          success:             {path: response.status, range: [100, 399]}
          latency_ms:          {path: latencies.request, unit: ms}
          cost_usd:            {path: ai.proxy.usage.cost}
          input_tokens:        {path: [ai.proxy.usage.prompt_tokens, ai.proxy.usage.prompt_token]}
          output_tokens:       {path: [ai.proxy.usage.completion_tokens, ai.proxy.usage.completion_token]}
          stream:              {path: ai.proxy.meta.request_mode, map: {stream: true, "*": false}}
          ttft_ms:             {path: ai.proxy.usage.time_to_first_token, unit: ms}
          cached_input_tokens: {path: ai.proxy.usage.prompt_tokens_details.cached_tokens}
          reasoning_tokens:    {path: ai.proxy.usage.completion_tokens_details.reasoning_tokens}
          cache_hit:           {path: ai.proxy.cache.cache_status, map: {Hit: true, "*": false}}
        """
    )
}
