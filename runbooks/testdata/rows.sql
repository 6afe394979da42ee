-- Rows for scripts/checks/10-alert-rules.sh. The check builds a database
-- from the exporter's own migrations (Sources/MetricsCore/Store/StoreSchema.swift),
-- loads these rows, and runs every ```sql block of the runbooks against it
-- read-only: a query that no longer parses, or names a column the schema
-- lost, fails the check. Timestamps are relative to now so that the
-- queries' time windows select rows.
INSERT INTO sources(id, path, device, inode, fingerprint, read_offset, state, first_seen, updated_at)
VALUES (1, '/var/log/llm-gateway/calls.jsonl', 2049, 131075, CAST('{"ts": 1761900000' AS BLOB),
        307400, 'active', strftime('%s', 'now') - 86400, strftime('%s', 'now'));

-- 600 calls over the last 100 minutes, three agents, both arms; the
-- fine-tuned arm of qa_agent times out now and then and falls back.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
INSERT INTO calls(ts, request_id, agent, model, variant, success, fallback,
                  fallback_model, error, latency_ms, cost_usd, input_tokens,
                  output_tokens, source_id, source_offset)
SELECT strftime('%s', 'now') - i * 10,
       printf('req-%05d', i),
       CASE i % 3 WHEN 0 THEN 'qa_agent' WHEN 1 THEN 'content_agent' ELSE 'legal_agent' END,
       CASE WHEN i % 2 = 0 THEN 'ft:open-mistral-7b:5010731d:20251031:ecc3829c' ELSE 'open-mistral-7b' END,
       CASE WHEN i % 2 = 0 THEN 'finetuned' ELSE 'baseline' END,
       CASE WHEN i % 37 = 0 THEN 0 ELSE 1 END,
       CASE WHEN i % 6 = 0 THEN 1 ELSE 0 END,
       CASE WHEN i % 6 = 0 THEN 'open-mistral-7b' END,
       CASE WHEN i % 37 = 0 THEN 'server_error' WHEN i % 6 = 0 THEN 'timeout' END,
       CASE WHEN i % 6 = 0 THEN 30500 + i ELSE 300 + (i * 37) % 9000 END,
       0.0004 + (i % 7) * 0.0003,
       200 + (i * 13) % 1500,
       50 + (i * 7) % 600,
       1,
       i * 512
FROM n;

INSERT INTO rejected_lines(ingested_at, source_id, source_offset, reason, detail, line_length, excerpt)
VALUES (strftime('%s', 'now') - 120, 1, 307200, 'invalid_json', 'unexpected end of input', 18,
        CAST('{"ts": 1761900000' AS BLOB)),
       (strftime('%s', 'now') - 60, 1, 307300, 'missing_field', 'agent', 64,
        CAST('{"ts": 1761900060, "model": "open-mistral-7b", "success": true}' AS BLOB));
