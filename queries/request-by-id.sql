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
