// The `litellm` preset (docs/formats.md cites where each field's meaning comes from).

extension FormatPreset {
    static let litellm = FormatPreset(
        name: "litellm",
        summary: "one LiteLLM StandardLoggingPayload JSON object per line, as LiteLLM's logging callbacks write it",
        yaml: """
        name: litellm
        fields:
          ts:                  {path: endTime, unit: s}
          request_id:          {path: id}
          agent:               {path: [metadata.user_api_key_alias, metadata.user_api_key_team_alias], default: unknown}
          model:               {path: model}
          variant:             {path: metadata.spend_logs_metadata.variant, default: baseline}
          success:             {path: status, map: {success: true, "*": false}}
          error:               {path: error_information.error_class}
          latency_ms:          {path: endTime, minus: startTime, unit: s}
          cost_usd:            {path: response_cost}
          input_tokens:        {path: prompt_tokens}
          output_tokens:       {path: completion_tokens}
          stream:              {path: stream}
          ttft_ms:             {path: completionStartTime, minus: startTime, unit: s}
          cached_input_tokens: {path: response.usage.prompt_tokens_details.cached_tokens}
          reasoning_tokens:    {path: response.usage.completion_tokens_details.reasoning_tokens}
          cache_hit:           {path: cache_hit}
        """
    )
}
