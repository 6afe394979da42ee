-- name: variant-comparison
-- summary: Baseline against fine-tuned per agent: requests, success, first-attempt error and fallback rates, latency, cost per request.
-- parameters: :since, :until, :agent
--
-- :since, :until  the window [since, until) in epoch seconds (UTC); unset: the last hour.
-- :agent          one agent; NULL or '' for every agent.
--
-- success_pct: answered in the end (fallback included); error_pct: the first attempt failed;
-- fallback_pct: the fallback model was tried. Latency in milliseconds, cost in USD. A variant
-- may span several models (models is how many).
--
-- Usage:
--   sqlite3 -readonly -header -column /var/lib/model-exporter/calls.sqlite \
--     -cmd ".parameter set :since \"unixepoch('now', '-1 day')\"" < queries/variant-comparison.sql
--   model-exporter query variant-comparison --since 1d --agent qa_agent

SELECT agent,
       variant,
       COUNT(DISTINCT model)                              AS models,
       COUNT(*)                                           AS requests,
       round(100.0 * SUM(success) / COUNT(*), 2)          AS success_pct,
       round(100.0 * SUM(error IS NOT NULL) / COUNT(*), 2) AS error_pct,
       round(100.0 * SUM(fallback) / COUNT(*), 2)         AS fallback_pct,
       round(AVG(latency_ms), 1)                          AS avg_latency_ms,
       round(MAX(latency_ms), 1)                          AS max_latency_ms,
       round(SUM(cost_usd), 6)                            AS cost_usd,
       round(SUM(cost_usd) / COUNT(*), 8)                 AS cost_per_request_usd
FROM calls
WHERE ts >= coalesce(:since, unixepoch('now') - 3600)
  AND ts <  coalesce(:until, unixepoch('now'))
  AND (:agent IS NULL OR :agent = '' OR agent = :agent)
GROUP BY agent, variant
ORDER BY agent, variant;
