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
