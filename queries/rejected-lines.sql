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
