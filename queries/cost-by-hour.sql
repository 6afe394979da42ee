-- name: cost-by-hour
-- summary: Cost in USD and tokens by agent and model, per UTC hour.
-- parameters: :since, :until, :agent
--
-- :since, :until  the window [since, until) in epoch seconds (UTC); unset: the last hour.
-- :agent          one agent; NULL or '' for every agent.
--
-- hour is the start of the UTC hour; the first and last hours count only the part inside the
-- window. Hours without requests are not rows. cost_usd is what the gateway logged per call
-- (fallback attempts included), summed.
--
-- Usage:
--   sqlite3 -readonly -header -column /var/lib/model-exporter/calls.sqlite \
--     -cmd ".parameter set :since \"unixepoch('now', '-1 day')\"" < queries/cost-by-hour.sql
--   model-exporter query cost-by-hour --since 1d --format csv

SELECT strftime('%Y-%m-%dT%H:00:00Z', CAST(ts / 3600 AS INTEGER) * 3600, 'unixepoch') AS hour,
       agent,
       model,
       COUNT(*)                                          AS requests,
       round(SUM(cost_usd), 6)                           AS cost_usd,
       round(SUM(cost_usd) / COUNT(*), 8)                AS cost_per_request_usd,
       SUM(input_tokens)                                 AS input_tokens,
       SUM(output_tokens)                                AS output_tokens,
       coalesce(SUM(input_tokens), 0) + coalesce(SUM(output_tokens), 0) AS tokens
FROM calls
WHERE ts >= coalesce(:since, unixepoch('now') - 3600)
  AND ts <  coalesce(:until, unixepoch('now'))
  AND (:agent IS NULL OR :agent = '' OR agent = :agent)
GROUP BY CAST(ts / 3600 AS INTEGER), agent, model
ORDER BY hour, agent, model;
