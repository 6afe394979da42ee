-- name: slowest-first-token
-- summary: The 50 streamed requests with the slowest first token in the window, slowest first.
-- parameters: :since, :until, :agent
--
-- :since, :until  the window [since, until) in epoch seconds (UTC); unset: the last hour.
-- :agent          one agent; NULL or '' for every agent.
--
-- Only streamed requests that logged a time to first token are rows (stream = 1 and ttft_ms
-- set). For a streamed answer the user waits for ttft_ms, not latency_ms; a large ttft_ms with
-- a small share of latency_ms points at the provider's queue, not at a long answer.
-- ttft_share is ttft_ms / latency_ms (NULL when latency_ms is 0).
--
-- Usage:
--   sqlite3 -readonly -header -column /var/lib/model-exporter/calls.sqlite \
--     -cmd ".parameter set :since \"unixepoch('now', '-1 hour')\"" < queries/slowest-first-token.sql
--   model-exporter query slowest-first-token --since 1h --agent qa_agent

SELECT request_id,
       agent,
       model,
       variant,
       ttft_ms,
       latency_ms,
       round(ttft_ms / nullif(latency_ms, 0), 3) AS ttft_share,
       output_tokens,
       success,
       strftime('%Y-%m-%dT%H:%M:%fZ', ts, 'unixepoch') AS time
FROM calls
WHERE ts >= coalesce(:since, unixepoch('now') - 3600)
  AND ts <  coalesce(:until, unixepoch('now'))
  AND (:agent IS NULL OR :agent = '' OR agent = :agent)
  AND stream = 1
  AND ttft_ms IS NOT NULL
ORDER BY ttft_ms DESC, id
LIMIT 50;
