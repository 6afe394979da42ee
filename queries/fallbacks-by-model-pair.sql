-- name: fallbacks-by-model-pair
-- summary: Fallbacks by agent and model pair (model -> fallback_model), and how many the fallback rescued.
-- parameters: :since, :until, :agent
--
-- :since, :until  the window [since, until) in epoch seconds (UTC); unset: the last hour.
-- :agent          one agent; NULL or '' for every agent.
--
-- requests: every request of the agent to the first model in the window; fallback_pct: the
-- share of them that fell back to fallback_model. rescued: the fallback answered (success = 1);
-- failed: it did not either, so the caller saw an error. Times are UTC.
--
-- Usage:
--   sqlite3 -readonly -header -column /var/lib/model-exporter/calls.sqlite \
--     -cmd ".parameter set :since \"unixepoch('now', '-1 hour')\"" < queries/fallbacks-by-model-pair.sql
--   model-exporter query fallbacks-by-model-pair --since 1h

WITH pairs AS (
    -- Every (agent, model) with and without fallback, so the window function below can total
    -- the requests to each first model.
    SELECT agent, model, fallback, fallback_model,
           COUNT(*)     AS calls,
           SUM(success) AS succeeded,
           MIN(ts)      AS first_ts,
           MAX(ts)      AS last_ts
    FROM calls
    WHERE ts >= coalesce(:since, unixepoch('now') - 3600)
      AND ts <  coalesce(:until, unixepoch('now'))
      AND (:agent IS NULL OR :agent = '' OR agent = :agent)
    GROUP BY agent, model, fallback, fallback_model
),
totals AS (
    SELECT *, SUM(calls) OVER (PARTITION BY agent, model) AS requests
    FROM pairs
)
SELECT agent,
       model,
       fallback_model,
       requests,
       calls                                                 AS fallbacks,
       round(100.0 * calls / requests, 2)                    AS fallback_pct,
       succeeded                                             AS rescued,
       calls - succeeded                                     AS failed,
       round(100.0 * succeeded / calls, 2)                   AS rescued_pct,
       strftime('%Y-%m-%dT%H:%M:%fZ', first_ts, 'unixepoch') AS first_seen,
       strftime('%Y-%m-%dT%H:%M:%fZ', last_ts, 'unixepoch')  AS last_seen
FROM totals
WHERE fallback = 1
ORDER BY fallbacks DESC, agent, model, fallback_model;
