-- name: errors-by-class
-- summary: First-attempt errors by agent, model, variant and error class, with their share of the requests.
-- parameters: :since, :until, :agent
--
-- :since, :until  the window [since, until) in epoch seconds (UTC); unset: the last hour.
-- :agent          one agent; NULL or '' for every agent.
--
-- A first-attempt error is a call whose `error` is set, rescued by the fallback or not.
-- share_pct is the class's errors per 100 requests of the same agent, model and variant in
-- the window. first_seen and last_seen are UTC.
--
-- Usage:
--   sqlite3 -readonly -header -column /var/lib/model-exporter/calls.sqlite \
--     -cmd ".parameter set :since \"unixepoch('now', '-1 hour')\"" \
--     -cmd ".parameter set :agent qa_agent" < queries/errors-by-class.sql
--   model-exporter query errors-by-class --since 1h --agent qa_agent

WITH classes AS (
    -- One pass over the window: every (agent, model, variant, error) including error IS NULL,
    -- so the window function below can total the requests of each series.
    SELECT agent, model, variant, error,
           COUNT(*) AS calls,
           MIN(ts)  AS first_ts,
           MAX(ts)  AS last_ts
    FROM calls
    WHERE ts >= coalesce(:since, unixepoch('now') - 3600)
      AND ts <  coalesce(:until, unixepoch('now'))
      AND (:agent IS NULL OR :agent = '' OR agent = :agent)
    GROUP BY agent, model, variant, error
),
shares AS (
    SELECT *, SUM(calls) OVER (PARTITION BY agent, model, variant) AS requests
    FROM classes
)
SELECT agent,
       model,
       variant,
       error                                                     AS error_class,
       calls                                                     AS errors,
       requests,
       round(100.0 * calls / requests, 2)                        AS share_pct,
       strftime('%Y-%m-%dT%H:%M:%fZ', first_ts, 'unixepoch')     AS first_seen,
       strftime('%Y-%m-%dT%H:%M:%fZ', last_ts, 'unixepoch')      AS last_seen
FROM shares
WHERE error IS NOT NULL
ORDER BY errors DESC, agent, model, variant, error_class;
