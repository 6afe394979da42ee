-- name: slowest-requests
-- summary: The 50 slowest requests in the window, slowest first, with their request ids.
-- parameters: :since, :until, :agent
--
-- :since, :until  the window [since, until) in epoch seconds (UTC); unset: the last hour.
-- :agent          one agent; NULL or '' for every agent.
--
-- latency_ms is the whole request as the gateway saw it, fallback included. time is when the
-- request finished (UTC). Look the request_id up in the gateway's and the provider's logs.
--
-- Usage:
--   sqlite3 -readonly -header -column /var/lib/model-exporter/calls.sqlite \
--     -cmd ".parameter set :since \"unixepoch('now', '-1 hour')\"" < queries/slowest-requests.sql
--   model-exporter query slowest-requests --since 1h --agent qa_agent

SELECT request_id,
       agent,
       model,
       variant,
       latency_ms,
       success,
       error,
       fallback,
       fallback_model,
       strftime('%Y-%m-%dT%H:%M:%fZ', ts, 'unixepoch') AS time
FROM calls
WHERE ts >= coalesce(:since, unixepoch('now') - 3600)
  AND ts <  coalesce(:until, unixepoch('now'))
  AND (:agent IS NULL OR :agent = '' OR agent = :agent)
ORDER BY latency_ms DESC, id
LIMIT 50;
