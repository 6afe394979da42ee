// Generated from queries/*.sql by Tests/MetricsCoreTests/ShippedQueryTests.swift: do not edit.
// The .sql files are the source. After changing one, regenerate this file with
//   MODEL_EXPORTER_UPDATE_QUERY_CATALOG=1 swift test --filter ShippedQueryTests
// and build again; the test fails while this file and queries/ differ by a byte.

extension ShippedQuery {
    static let catalog: [(name: String, sql: String)] = [
        (name: "cost-by-hour", sql: #"""
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

"""#),
        (name: "errors-by-class", sql: #"""
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

"""#),
        (name: "fallbacks-by-model-pair", sql: #"""
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

"""#),
        (name: "rejected-lines", sql: #"""
-- name: rejected-lines
-- summary: Quarantined call-log lines: why, where (file and byte offset), and the start of the line.
-- parameters: :since, :until
--
-- :since, :until  the window [since, until) of ingested_at (when the exporter read the line),
--                 in epoch seconds (UTC); unset: the last hour. A rejected line has no
--                 trustworthy timestamp or agent of its own, so there is no :agent filter (one
--                 that is set is ignored).
--
-- The 200 most recently read lines of the window, newest first. reason is the `reason` label
-- of model_exporter_rejected_lines_total. source_offset is the line's byte offset in
-- source_path (the name the file had when first read: a rotated file keeps it); line_length is
-- in bytes, without the newline. excerpt is the first 200 characters of the stored 4 KiB.
--
-- rejected_lines has no index on ingested_at, so this reads the whole (small: bad lines are
-- rare, and retention bounds it) table.
--
-- Usage:
--   sqlite3 -readonly -header -column /var/lib/model-exporter/calls.sqlite \
--     -cmd ".parameter set :since \"unixepoch('now', '-1 day')\"" < queries/rejected-lines.sql
--   model-exporter query rejected-lines --since 1d

SELECT strftime('%Y-%m-%dT%H:%M:%fZ', rejected_lines.ingested_at, 'unixepoch') AS ingested_at,
       rejected_lines.reason,
       rejected_lines.detail,
       sources.path                                       AS source_path,
       rejected_lines.source_offset,
       rejected_lines.line_length,
       substr(CAST(rejected_lines.excerpt AS TEXT), 1, 200) AS excerpt
FROM rejected_lines
LEFT JOIN sources ON sources.id = rejected_lines.source_id
WHERE rejected_lines.ingested_at >= coalesce(:since, unixepoch('now') - 3600)
  AND rejected_lines.ingested_at <  coalesce(:until, unixepoch('now'))
ORDER BY rejected_lines.id DESC
LIMIT 200;

"""#),
        (name: "request-by-id", sql: #"""
-- name: request-by-id
-- summary: Every stored column of the call(s) with one request id, and the file the line came from.
-- parameters: :request_id, :since, :until
--
-- :request_id     the gateway's request id (an exemplar's, or one from slowest-requests).
-- :since, :until  the window [since, until) in epoch seconds (UTC) to look in; unset: the last
--                 hour. request_id has no index (one would slow every insert), so the window
--                 is what keeps the lookup to an index range: widen it (7d) when unsure.
--
-- time is ts as UTC. source_path and source_offset locate the original line in the call log
-- (byte offset; tail -c +$((source_offset + 1)) FILE | head -1 prints it). A request id the
-- gateway logged twice (a retry) gives two rows.
--
-- Usage:
--   sqlite3 -readonly -line /var/lib/model-exporter/calls.sqlite \
--     -cmd ".parameter set :request_id req-2f9c-81a0" \
--     -cmd ".parameter set :since \"unixepoch('now', '-7 days')\"" < queries/request-by-id.sql
--   model-exporter query request-by-id --request-id req-2f9c-81a0 --since 7d

SELECT strftime('%Y-%m-%dT%H:%M:%fZ', calls.ts, 'unixepoch') AS time,
       calls.*,
       sources.path                                           AS source_path
FROM calls
LEFT JOIN sources ON sources.id = calls.source_id
WHERE calls.ts >= coalesce(:since, unixepoch('now') - 3600)
  AND calls.ts <  coalesce(:until, unixepoch('now'))
  AND calls.request_id = :request_id
ORDER BY calls.ts, calls.id;

"""#),
        (name: "requests-per-minute", sql: #"""
-- name: requests-per-minute
-- summary: Requests, first-attempt errors and failures per minute, minutes without requests included (at most 1440).
-- parameters: :since, :until, :agent
--
-- :since, :until  the window [since, until) in epoch seconds (UTC); unset: the last hour.
-- :agent          one agent (the usual use: see the gap behind a ModelUnavailable alert);
--                 NULL or '' for every agent together.
--
-- Every minute of the window is a row, those without a request too (requests = 0): a gap is
-- what this query is for, and GROUP BY alone would skip it. The minutes come from a recursive
-- CTE, capped at the last 1440 (one day) of the window; narrow the window to see earlier ones.
-- minute is the start of the UTC minute; the first minute is counted whole, the last one up to
-- :until.
--
-- Usage:
--   sqlite3 -readonly -header -column /var/lib/model-exporter/calls.sqlite \
--     -cmd ".parameter set :since \"unixepoch('now', '-3 hours')\"" \
--     -cmd ".parameter set :agent qa_agent" < queries/requests-per-minute.sql
--   model-exporter query requests-per-minute --since 3h --agent qa_agent

WITH RECURSIVE
span(until, first_minute, last_minute) AS (
    -- Minute numbers (epoch seconds / 60): the one holding :since, and the one holding the last
    -- instant before :until (one less when :until falls exactly on a minute).
    SELECT until,
           max(CAST(since / 60 AS INTEGER),
               CAST(until / 60 AS INTEGER) - (CAST(until / 60 AS INTEGER) = until / 60.0) - 1439),
           CAST(until / 60 AS INTEGER) - (CAST(until / 60 AS INTEGER) = until / 60.0)
    FROM (SELECT coalesce(:since, unixepoch('now') - 3600) AS since,
                 coalesce(:until, unixepoch('now'))        AS until)
),
minutes(minute) AS (
    SELECT first_minute FROM span WHERE first_minute <= last_minute
    UNION ALL
    SELECT minute + 1 FROM minutes WHERE minute < (SELECT last_minute FROM span)
),
counts(minute, requests, errors, failed, fallbacks) AS (
    SELECT CAST(ts / 60 AS INTEGER), COUNT(*), SUM(error IS NOT NULL), SUM(success = 0), SUM(fallback)
    FROM calls
    WHERE ts >= (SELECT first_minute * 60 FROM span)
      AND ts <  (SELECT until FROM span)
      AND (:agent IS NULL OR :agent = '' OR agent = :agent)
    GROUP BY CAST(ts / 60 AS INTEGER)
)
SELECT strftime('%Y-%m-%dT%H:%M:00Z', minutes.minute * 60, 'unixepoch') AS minute,
       coalesce(counts.requests, 0)  AS requests,
       coalesce(counts.errors, 0)    AS errors,
       coalesce(counts.failed, 0)    AS failed,
       coalesce(counts.fallbacks, 0) AS fallbacks
FROM minutes
LEFT JOIN counts ON counts.minute = minutes.minute
ORDER BY minutes.minute;

"""#),
        (name: "slowest-first-token", sql: #"""
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

"""#),
        (name: "slowest-requests", sql: #"""
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

"""#),
        (name: "variant-comparison", sql: #"""
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

"""#),
    ]
}
