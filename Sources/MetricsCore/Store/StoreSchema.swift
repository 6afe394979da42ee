/// The database schema as named, forward-only migrations. A migration is never edited once
/// released: a change is a new migration appended to the list. `docs/sql.md` documents the
/// tables for incident reviewers.
enum StoreSchema {
    struct Migration {
        var name: String
        var sql: String
    }

    static let migrations: [Migration] = [
        Migration(name: "0001-initial", sql: """
            -- One row per call-log file ever read. A file is identified by device + inode + its first
            -- bytes, so a reused inode is not mistaken for the file it replaced.
            CREATE TABLE sources (
                id INTEGER PRIMARY KEY,
                path TEXT NOT NULL,              -- the path the file had when first seen
                device INTEGER NOT NULL,
                inode INTEGER NOT NULL,
                fingerprint BLOB NOT NULL,       -- the file's first bytes (up to 256)
                read_offset INTEGER NOT NULL,    -- byte offset just past the last line stored
                state TEXT NOT NULL CHECK (state IN ('active', 'rotated', 'finished')),
                first_seen REAL NOT NULL,        -- epoch seconds
                updated_at REAL NOT NULL
            );

            -- Every accepted line of the call log, exactly once.
            CREATE TABLE calls (
                id INTEGER PRIMARY KEY,
                ts REAL NOT NULL,                -- when the request finished, epoch seconds (UTC)
                request_id TEXT,
                agent TEXT NOT NULL,
                model TEXT NOT NULL,             -- the model asked first
                variant TEXT NOT NULL,           -- baseline | finetuned
                success INTEGER NOT NULL,        -- 1 when the request got an answer in the end
                fallback INTEGER NOT NULL,       -- 1 when the fallback model was tried
                fallback_model TEXT,
                error TEXT,                      -- first attempt's error class; NULL when it succeeded
                latency_ms REAL NOT NULL,
                cost_usd REAL NOT NULL,
                input_tokens INTEGER,
                output_tokens INTEGER,
                source_id INTEGER NOT NULL REFERENCES sources(id),
                source_offset INTEGER NOT NULL   -- byte offset of the line in its file
            );
            -- The one index on calls: every incident query is a time window. An (agent, ts) index
            -- was measured to cost ~25% of ingest throughput; a window scanned by ts and filtered by
            -- agent answers within the second on 10M calls (scripts/bench-queries).
            CREATE INDEX calls_ts ON calls (ts);

            -- Lines that were not accepted: why, where, and their first 4 KiB.
            CREATE TABLE rejected_lines (
                id INTEGER PRIMARY KEY,
                ingested_at REAL NOT NULL,       -- epoch seconds
                source_id INTEGER NOT NULL REFERENCES sources(id),
                source_offset INTEGER NOT NULL,
                reason TEXT NOT NULL,            -- the `reason` label of model_exporter_rejected_lines_total
                detail TEXT NOT NULL,
                line_length INTEGER NOT NULL,    -- bytes, without the newline
                excerpt BLOB NOT NULL            -- first 4 KiB of the line, as read
            );

            -- Running totals behind every exported model series; counters continue from these
            -- after a restart. Series folded past the label bound are stored under 'other'.
            CREATE TABLE series (
                id INTEGER PRIMARY KEY,
                agent TEXT NOT NULL,
                model TEXT NOT NULL,
                variant TEXT NOT NULL,
                requests_success INTEGER NOT NULL,
                requests_error INTEGER NOT NULL,
                cost_usd REAL NOT NULL,
                input_tokens INTEGER NOT NULL,
                output_tokens INTEGER NOT NULL,
                latency_sum_seconds REAL NOT NULL,
                latency_buckets TEXT NOT NULL,   -- per-bucket counts, comma-separated, bounds in meta.latency_buckets, last is +Inf
                last_ts REAL NOT NULL,
                UNIQUE (agent, model, variant)
            );
            CREATE TABLE series_errors (
                series_id INTEGER NOT NULL REFERENCES series(id),
                error_type TEXT NOT NULL,
                count INTEGER NOT NULL,
                PRIMARY KEY (series_id, error_type)
            ) WITHOUT ROWID;
            CREATE TABLE series_fallbacks (
                series_id INTEGER NOT NULL REFERENCES series(id),
                fallback_model TEXT NOT NULL,
                count INTEGER NOT NULL,
                PRIMARY KEY (series_id, fallback_model)
            ) WITHOUT ROWID;

            -- The exporter's own restart-safe counters (model_exporter_*_total).
            CREATE TABLE exporter_counters (
                name TEXT NOT NULL,
                label TEXT NOT NULL,
                value INTEGER NOT NULL,
                PRIMARY KEY (name, label)
            ) WITHOUT ROWID;

            CREATE TABLE meta (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            ) WITHOUT ROWID;
            """),
        Migration(name: "0002-hourly-rollups", sql: """
            -- Hourly rollups of calls, made by retention from the raw calls it deletes (in the same
            -- transaction, so each call is counted in exactly one of calls / rollups). Kept for
            -- --storage.rollup-retention; `hourly` below reads both as one.
            CREATE TABLE rollups_hourly (
                hour REAL NOT NULL,              -- start of the hour, epoch seconds
                agent TEXT NOT NULL,
                model TEXT NOT NULL,
                variant TEXT NOT NULL,
                requests INTEGER NOT NULL,
                successes INTEGER NOT NULL,
                errors INTEGER NOT NULL,         -- first-attempt errors
                fallbacks INTEGER NOT NULL,
                cost_usd REAL NOT NULL,
                input_tokens INTEGER NOT NULL,
                output_tokens INTEGER NOT NULL,
                latency_sum_ms REAL NOT NULL,
                latency_max_ms REAL NOT NULL,
                PRIMARY KEY (hour, agent, model, variant)
            ) WITHOUT ROWID;
            CREATE TABLE rollup_errors (
                hour REAL NOT NULL, agent TEXT NOT NULL, model TEXT NOT NULL, variant TEXT NOT NULL,
                error_type TEXT NOT NULL,
                count INTEGER NOT NULL,
                PRIMARY KEY (hour, agent, model, variant, error_type)
            ) WITHOUT ROWID;
            CREATE TABLE rollup_fallbacks (
                hour REAL NOT NULL, agent TEXT NOT NULL, model TEXT NOT NULL, variant TEXT NOT NULL,
                fallback_model TEXT NOT NULL,    -- '' when the line did not say
                count INTEGER NOT NULL,
                rescued INTEGER NOT NULL,        -- fallbacks that ended in success
                PRIMARY KEY (hour, agent, model, variant, fallback_model)
            ) WITHOUT ROWID;
            -- Latency histogram per hour: per-bucket (not cumulative) counts; le in seconds,
            -- 9e999 (+Inf) for the last bucket. Bounds are those configured when the hour was rolled up.
            CREATE TABLE rollup_latency (
                hour REAL NOT NULL, agent TEXT NOT NULL, model TEXT NOT NULL, variant TEXT NOT NULL,
                le REAL NOT NULL,
                count INTEGER NOT NULL,
                PRIMARY KEY (hour, agent, model, variant, le)
            ) WITHOUT ROWID;

            -- Hourly figures over the whole history: rollups for hours past retention, raw calls
            -- aggregated on the fly for the rest. Filter on `hour` to use the indexes.
            CREATE VIEW hourly AS
                SELECT hour, agent, model, variant, requests, successes, errors, fallbacks, cost_usd,
                       input_tokens, output_tokens, latency_sum_ms, latency_max_ms
                FROM rollups_hourly
                UNION ALL
                SELECT CAST(ts / 3600 AS INTEGER) * 3600.0 AS hour, agent, model, variant, count(*), sum(success),
                       sum(error IS NOT NULL), sum(fallback), sum(cost_usd), ifnull(sum(input_tokens), 0),
                       ifnull(sum(output_tokens), 0), sum(latency_ms), max(latency_ms)
                FROM calls
                GROUP BY 1, 2, 3, 4;
            """),
        Migration(name: "0003-series-created", sql: """
            -- When each series was first stored: OpenMetrics `_created` of its counters.
            ALTER TABLE series ADD COLUMN created_at REAL NOT NULL DEFAULT 0;
            UPDATE series SET created_at = (SELECT min(applied_at) FROM schema_migrations);
            """),
        Migration(name: "0004-streaming-and-cache-fields", sql: """
            -- The optional signals of streamed and cached traffic; NULL where the gateway did not
            -- log them, which is every row stored before this migration.
            ALTER TABLE calls ADD COLUMN stream INTEGER;
            ALTER TABLE calls ADD COLUMN ttft_ms REAL;
            ALTER TABLE calls ADD COLUMN cached_input_tokens INTEGER;
            ALTER TABLE calls ADD COLUMN reasoning_tokens INTEGER;
            ALTER TABLE calls ADD COLUMN cache_hit INTEGER;
            """),
        Migration(name: "0005-series-streaming-totals", sql: """
            -- Running totals of the streaming and cache signals per series. Histograms are
            -- per-bucket counts as text, like latency_buckets, over fixed bounds (see
            -- LatencyBuckets.timeToFirstToken and .timePerOutputToken).
            ALTER TABLE series ADD COLUMN cached_input_tokens INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE series ADD COLUMN reasoning_tokens INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE series ADD COLUMN cache_hits INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE series ADD COLUMN ttft_sum_seconds REAL NOT NULL DEFAULT 0;
            ALTER TABLE series ADD COLUMN ttft_buckets TEXT NOT NULL DEFAULT '';
            ALTER TABLE series ADD COLUMN tpot_sum_seconds REAL NOT NULL DEFAULT 0;
            ALTER TABLE series ADD COLUMN tpot_buckets TEXT NOT NULL DEFAULT '';
            """),
        Migration(name: "0006-record-index", sql: """
            -- A line of a mapped format may hold several records (an OTLP batch of spans): a
            -- record is its source, the line's offset and its index within the line. Every row
            -- stored before this migration came from a one-record line, index 0.
            ALTER TABLE calls ADD COLUMN record_index INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE rejected_lines ADD COLUMN record_index INTEGER NOT NULL DEFAULT 0;
            """),
        Migration(name: "0007-replica-shipped", sql: """
            -- How far the replica (--replica.url) has committed each table to PostgreSQL: the
            -- highest rowid shipped. A copy of the mark PostgreSQL holds (which is the truth the
            -- shipper resumes from), kept here so that retention, which never deletes a row not
            -- yet shipped, knows the bound after a restart before PostgreSQL is reachable again.
            CREATE TABLE replica_shipped (
                stream TEXT PRIMARY KEY CHECK (stream IN ('calls', 'rejected_lines')),
                shipped_through INTEGER NOT NULL
            ) WITHOUT ROWID;
            """),
        Migration(name: "0008-interned-labels", sql: """
            -- Calls keep their labels (agent, model, variant, fallback model, error class) as small
            -- integer keys into `labels`: a row is a third smaller, so a batch writes a third fewer
            -- pages (issue 14, docs/performance.md). `calls` becomes a view with the same columns,
            -- names and values as the table it replaces, so every query written against it,
            -- shipped or not, reads the same rows.
            CREATE TABLE labels (
                id INTEGER PRIMARY KEY,
                value TEXT NOT NULL UNIQUE
            );
            INSERT INTO labels (value)
                SELECT agent FROM calls UNION SELECT model FROM calls UNION SELECT variant FROM calls
                UNION SELECT fallback_model FROM calls WHERE fallback_model IS NOT NULL
                UNION SELECT error FROM calls WHERE error IS NOT NULL;
            CREATE TABLE call_rows (
                id INTEGER PRIMARY KEY,
                ts REAL NOT NULL,
                request_id TEXT,
                agent_id INTEGER NOT NULL,       -- labels.id
                model_id INTEGER NOT NULL,
                variant_id INTEGER NOT NULL,
                success INTEGER NOT NULL,
                fallback INTEGER NOT NULL,
                fallback_model_id INTEGER,
                error_id INTEGER,
                latency_ms REAL NOT NULL,
                cost_usd REAL NOT NULL,
                input_tokens INTEGER,
                output_tokens INTEGER,
                source_id INTEGER NOT NULL,
                source_offset INTEGER NOT NULL,
                stream INTEGER,
                ttft_ms REAL,
                cached_input_tokens INTEGER,
                reasoning_tokens INTEGER,
                cache_hit INTEGER,
                record_index INTEGER NOT NULL DEFAULT 0
            );
            -- Same rowids: the replica's marks and the shipped rows stay valid.
            INSERT INTO call_rows
                SELECT c.id, c.ts, c.request_id,
                       (SELECT id FROM labels WHERE value = c.agent), (SELECT id FROM labels WHERE value = c.model),
                       (SELECT id FROM labels WHERE value = c.variant), c.success, c.fallback,
                       (SELECT id FROM labels WHERE value = c.fallback_model), (SELECT id FROM labels WHERE value = c.error),
                       c.latency_ms, c.cost_usd, c.input_tokens, c.output_tokens, c.source_id, c.source_offset,
                       c.stream, c.ttft_ms, c.cached_input_tokens, c.reasoning_tokens, c.cache_hit, c.record_index
                FROM calls c ORDER BY c.id;
            DROP TABLE calls;
            -- Still the one index, under its old name (the query plans in docs/sql.md say calls_ts).
            CREATE INDEX calls_ts ON call_rows (ts);
            -- A label is looked up only where a query reads it: a window counted by ts alone never
            -- touches `labels`, and the planner keeps using calls_ts (each subquery is a rowid lookup).
            CREATE VIEW calls AS
                SELECT id, ts, request_id,
                       (SELECT value FROM labels WHERE labels.id = call_rows.agent_id) AS agent,
                       (SELECT value FROM labels WHERE labels.id = call_rows.model_id) AS model,
                       (SELECT value FROM labels WHERE labels.id = call_rows.variant_id) AS variant,
                       success, fallback,
                       (SELECT value FROM labels WHERE labels.id = call_rows.fallback_model_id) AS fallback_model,
                       (SELECT value FROM labels WHERE labels.id = call_rows.error_id) AS error,
                       latency_ms, cost_usd, input_tokens, output_tokens, source_id, source_offset,
                       stream, ttft_ms, cached_input_tokens, reasoning_tokens, cache_hit, record_index
                FROM call_rows;
            -- Writing through the view works as writing the old table did (tools, fixtures); the
            -- exporter itself inserts into call_rows directly.
            CREATE TRIGGER calls_insert INSTEAD OF INSERT ON calls BEGIN
                INSERT OR IGNORE INTO labels (value) VALUES (NEW.agent), (NEW.model), (NEW.variant);
                INSERT OR IGNORE INTO labels (value) SELECT NEW.fallback_model WHERE NEW.fallback_model IS NOT NULL;
                INSERT OR IGNORE INTO labels (value) SELECT NEW.error WHERE NEW.error IS NOT NULL;
                INSERT INTO call_rows (id, ts, request_id, agent_id, model_id, variant_id, success, fallback,
                                       fallback_model_id, error_id, latency_ms, cost_usd, input_tokens, output_tokens,
                                       source_id, source_offset, stream, ttft_ms, cached_input_tokens,
                                       reasoning_tokens, cache_hit, record_index)
                VALUES (NEW.id, NEW.ts, NEW.request_id,
                        (SELECT id FROM labels WHERE value = NEW.agent), (SELECT id FROM labels WHERE value = NEW.model),
                        (SELECT id FROM labels WHERE value = NEW.variant), NEW.success, NEW.fallback,
                        (SELECT id FROM labels WHERE value = NEW.fallback_model),
                        (SELECT id FROM labels WHERE value = NEW.error),
                        NEW.latency_ms, NEW.cost_usd, NEW.input_tokens, NEW.output_tokens, NEW.source_id,
                        NEW.source_offset, NEW.stream, NEW.ttft_ms, NEW.cached_input_tokens, NEW.reasoning_tokens,
                        NEW.cache_hit, ifnull(NEW.record_index, 0));
            END;
            CREATE TRIGGER calls_delete INSTEAD OF DELETE ON calls BEGIN
                DELETE FROM call_rows WHERE id = OLD.id;
            END;
            """),
    ]
}
