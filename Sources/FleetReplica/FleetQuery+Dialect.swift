import MetricsCore

/// The PostgreSQL twin of every shipped query (`queries/NAME.sql`), for
/// `model-exporter query NAME --storage.url postgres://…`.
///
/// Why a second definition instead of running `queries/*.sql` on PostgreSQL: the SQLite files
/// are written for the sqlite3 shell (`docs/sql.md`) and lean on SQLite's dialect —
/// `strftime(…, 'unixepoch')` and `unixepoch('now')` for times, `:name` parameters, 0/1 integers
/// summed as booleans (`SUM(success)`), `CAST(x AS INTEGER)`, a recursive CTE for the minutes,
/// `sources` joined for the file path. None of these has one spelling both engines accept, and
/// a translator from one to the other would be a SQL rewriter to maintain. So each query is
/// written twice, side by side here, and `FleetQueryTests` holds them together: every SQLite
/// query has a twin (and no twin lacks one), the twin's columns are the SQLite query's, in the
/// same order, and over two instances shipped into a real PostgreSQL each twin's output equals
/// the SQLite query's over both instances' rows, byte for byte as printed. A change to a
/// `queries/*.sql` file that is not made here fails those tests.
///
/// What the twins do so that the output is the same:
/// - Times are formatted as SQLite does: `strftime('%f')` rounds to the millisecond, with
///   SQLite's own arithmetic (``utcMilliseconds(_:)``); `to_char(… 'MS')` alone would truncate.
/// - Every value has the SQLite result's type: counts and sums of integers are `bigint`,
///   booleans are `::int` (0/1), `round` goes through `numeric` and back to `float8`, so the
///   table's alignment and the JSON numbers do not change.
/// - Text is ordered `COLLATE "C"` (byte order, as SQLite's BINARY), not the server's locale.
/// - Ties that SQLite breaks by its rowid `id` are broken by `(instance, local_id)`: the rows
///   of each instance in their local order, instances by name.
/// - Parameters are `$1 … $5` (since, until, agent, request_id, instance), declared once in the
///   `p` CTE with their types, so every twin binds the same five values.
///
/// Not the same: `source_path` (rejected-lines, request-by-id) is NULL in the fleet, because
/// the `sources` table is not shipped (only `calls` and `rejected_lines` are); `source_id` and
/// `source_offset` still locate the line in the instance's own log.
extension FleetQuery {
    /// The parameters of every twin; a NULL instance is every instance. NOT MATERIALIZED: a
    /// twin that names `p` twice would otherwise get it as a materialized CTE, whose values
    /// the planner cannot see, and every day's partition would be planned.
    static let parameters = """
        WITH p AS NOT MATERIALIZED (SELECT $1::float8 AS q_since, $2::float8 AS q_until, $3::text AS q_agent, $4::text AS q_request_id,
                          $5::text AS q_instance, extract(epoch FROM now())::float8 AS q_now)
        """

    /// `strftime('%Y-%m-%dT%H:%M:%fZ', X, 'unixepoch')`, rounded to the millisecond as SQLite
    /// rounds it: SQLite adds the Julian-day offset in milliseconds before rounding
    /// (`(sqlite3_int64)(s * 1000.0 + 210866760000000.0 + 0.5)`), and at that magnitude a double
    /// holds 1/32 ms, so a fraction just under half a millisecond can round up. The same float8
    /// arithmetic here gives the same millisecond; a plain `round(ts * 1000)` differs for about
    /// one timestamp in thirty.
    static func utcMilliseconds(_ column: String) -> String {
        """
        to_char(to_timestamp((floor(\(column) * 1000::float8 + 210866760000000::float8 + 0.5::float8) - 210866760000000::float8) / 1000::float8) \
        AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
        """
    }

    /// The window and filters most twins share, for table `calls`.
    static let callsWindow = """
        calls.ts >= coalesce(p.q_since, p.q_now - 3600)
          AND calls.ts <  coalesce(p.q_until, p.q_now)
          AND (p.q_agent IS NULL OR p.q_agent = '' OR calls.agent = p.q_agent)
          AND (p.q_instance IS NULL OR calls.instance = p.q_instance)
        """

    struct Twin: Sendable {
        /// The SQLite query's column names, in order: PostgreSQL's row description is not
        /// package in PostgresNIO, and an empty result must still print its header.
        var columns: [String]
        var sql: String
    }

    static let twins: [String: Twin] = [
        "cost-by-hour": Twin(
            columns: ["hour", "agent", "model", "requests", "cost_usd", "cost_per_request_usd", "input_tokens", "output_tokens", "tokens"],
            sql: """
                \(parameters)
                SELECT to_char(to_timestamp(trunc(ts / 3600) * 3600) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:00:00"Z"') COLLATE "C" AS hour,
                       agent COLLATE "C" AS agent,
                       model COLLATE "C" AS model,
                       count(*)                                                   AS requests,
                       round(sum(cost_usd)::numeric, 6)::float8                   AS cost_usd,
                       round((sum(cost_usd) / count(*))::numeric, 8)::float8      AS cost_per_request_usd,
                       sum(input_tokens)::bigint                                  AS input_tokens,
                       sum(output_tokens)::bigint                                 AS output_tokens,
                       (coalesce(sum(input_tokens), 0) + coalesce(sum(output_tokens), 0))::bigint AS tokens
                FROM calls, p
                WHERE \(callsWindow)
                GROUP BY trunc(ts / 3600), calls.agent, calls.model
                ORDER BY hour, agent, model
                """),
        "errors-by-class": Twin(
            columns: ["agent", "model", "variant", "error_class", "errors", "requests", "share_pct", "first_seen", "last_seen"],
            sql: """
                \(parameters),
                classes AS (
                    SELECT agent, model, variant, error, count(*) AS calls, min(ts) AS first_ts, max(ts) AS last_ts
                    FROM calls, p
                    WHERE \(callsWindow)
                    GROUP BY agent, model, variant, error
                ),
                shares AS (
                    SELECT *, sum(calls) OVER (PARTITION BY agent, model, variant) AS requests FROM classes
                )
                SELECT agent COLLATE "C" AS agent,
                       model COLLATE "C" AS model,
                       variant COLLATE "C" AS variant,
                       error COLLATE "C" AS error_class,
                       calls AS errors,
                       requests::bigint AS requests,
                       round((100.0::float8 * calls / requests)::numeric, 2)::float8 AS share_pct,
                       \(utcMilliseconds("first_ts")) AS first_seen,
                       \(utcMilliseconds("last_ts")) AS last_seen
                FROM shares
                WHERE error IS NOT NULL
                ORDER BY errors DESC, agent, model, variant, error_class
                """),
        "fallbacks-by-model-pair": Twin(
            columns: ["agent", "model", "fallback_model", "requests", "fallbacks", "fallback_pct", "rescued", "failed", "rescued_pct", "first_seen", "last_seen"],
            sql: """
                \(parameters),
                pairs AS (
                    SELECT agent, model, fallback, fallback_model, count(*) AS calls, sum(success::int) AS succeeded,
                           min(ts) AS first_ts, max(ts) AS last_ts
                    FROM calls, p
                    WHERE \(callsWindow)
                    GROUP BY agent, model, fallback, fallback_model
                ),
                totals AS (
                    SELECT *, sum(calls) OVER (PARTITION BY agent, model) AS requests FROM pairs
                )
                SELECT agent COLLATE "C" AS agent,
                       model COLLATE "C" AS model,
                       fallback_model COLLATE "C" AS fallback_model,
                       requests::bigint AS requests,
                       calls AS fallbacks,
                       round((100.0::float8 * calls / requests)::numeric, 2)::float8 AS fallback_pct,
                       succeeded::bigint AS rescued,
                       (calls - succeeded)::bigint AS failed,
                       round((100.0::float8 * succeeded / calls)::numeric, 2)::float8 AS rescued_pct,
                       \(utcMilliseconds("first_ts")) AS first_seen,
                       \(utcMilliseconds("last_ts")) AS last_seen
                FROM totals
                WHERE fallback
                ORDER BY fallbacks DESC, agent, model, fallback_model
                """),
        "rejected-lines": Twin(
            columns: ["ingested_at", "reason", "detail", "source_path", "source_offset", "line_length", "excerpt"],
            // The excerpt is bytes, possibly not UTF-8, and PostgreSQL's convert_from refuses
            // invalid UTF-8 where SQLite's CAST passes it: the first 800 bytes (200 characters
            // of up to 4 bytes) come back as bytea, and FleetQuery decodes them as SQLite does
            // and keeps 200 characters (``FleetQuery/textPrefixColumns``).
            sql: """
                \(parameters)
                SELECT \(utcMilliseconds("r.ingested_at")) AS ingested_at,
                       r.reason,
                       r.detail,
                       NULL::text AS source_path,
                       r.source_offset,
                       r.line_length,
                       substr(r.excerpt, 1, 800) AS excerpt
                FROM rejected_lines r, p
                WHERE r.ingested_at >= coalesce(p.q_since, p.q_now - 3600)
                  AND r.ingested_at <  coalesce(p.q_until, p.q_now)
                  AND (p.q_instance IS NULL OR r.instance = p.q_instance)
                ORDER BY r.ingested_at DESC, r.instance COLLATE "C" DESC, r.local_id DESC
                LIMIT 200
                """),
        "request-by-id": Twin(
            columns: ["time", "id", "ts", "request_id", "agent", "model", "variant", "success", "fallback", "fallback_model", "error",
                      "latency_ms", "cost_usd", "input_tokens", "output_tokens", "source_id", "source_offset", "stream", "ttft_ms",
                      "cached_input_tokens", "reasoning_tokens", "cache_hit", "record_index", "source_path"],
            // `calls.*` spelled out in SQLite's column order; `id` is the row's id in its
            // instance's database (local_id).
            sql: """
                \(parameters)
                SELECT \(utcMilliseconds("calls.ts")) AS time,
                       local_id AS id, ts, request_id, agent, model, variant, success::int AS success, fallback::int AS fallback,
                       fallback_model, error, latency_ms, cost_usd, input_tokens, output_tokens, source_id, source_offset,
                       stream::int AS stream, ttft_ms, cached_input_tokens, reasoning_tokens, cache_hit::int AS cache_hit,
                       record_index::bigint AS record_index,
                       NULL::text AS source_path
                FROM calls, p
                WHERE calls.ts >= coalesce(p.q_since, p.q_now - 3600)
                  AND calls.ts <  coalesce(p.q_until, p.q_now)
                  AND (p.q_instance IS NULL OR calls.instance = p.q_instance)
                  AND calls.request_id = p.q_request_id
                ORDER BY calls.ts, calls.instance COLLATE "C", calls.local_id
                """),
        "requests-per-minute": Twin(
            columns: ["minute", "requests", "errors", "failed", "fallbacks"],
            sql: """
                \(parameters),
                bounds AS (
                    SELECT coalesce(p.q_since, p.q_now - 3600) AS since, coalesce(p.q_until, p.q_now) AS until FROM p
                ),
                span AS (
                    -- Minute numbers: the one holding since, and the one holding the last
                    -- instant before until; at most the last 1440.
                    SELECT until,
                           greatest(floor(since / 60)::bigint, ceil(until / 60)::bigint - 1 - 1439) AS first_minute,
                           ceil(until / 60)::bigint - 1 AS last_minute
                    FROM bounds
                ),
                minutes AS (
                    SELECT generate_series(first_minute, last_minute) AS minute FROM span
                ),
                counts AS (
                    SELECT floor(ts / 60)::bigint AS minute, count(*) AS requests, sum((error IS NOT NULL)::int) AS errors,
                           sum((NOT success)::int) AS failed, sum(fallback::int) AS fallbacks
                    FROM calls, p, span
                    WHERE calls.ts >= span.first_minute * 60
                      AND calls.ts <  span.until
                      -- Implied by the two above (the first minute starts after since - 60), but
                      -- in terms of the parameters, so that PostgreSQL prunes the days' partitions
                      -- when it plans rather than probing each one's index.
                      AND calls.ts >= coalesce(p.q_since, p.q_now - 3600) - 60
                      AND calls.ts <  coalesce(p.q_until, p.q_now)
                      AND (p.q_agent IS NULL OR p.q_agent = '' OR calls.agent = p.q_agent)
                      AND (p.q_instance IS NULL OR calls.instance = p.q_instance)
                    GROUP BY floor(ts / 60)::bigint
                )
                SELECT to_char(to_timestamp(minutes.minute * 60) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:00"Z"') AS minute,
                       coalesce(counts.requests, 0)::bigint  AS requests,
                       coalesce(counts.errors, 0)::bigint    AS errors,
                       coalesce(counts.failed, 0)::bigint    AS failed,
                       coalesce(counts.fallbacks, 0)::bigint AS fallbacks
                FROM minutes
                LEFT JOIN counts ON counts.minute = minutes.minute
                ORDER BY minutes.minute
                """),
        "slowest-first-token": Twin(
            columns: ["request_id", "agent", "model", "variant", "ttft_ms", "latency_ms", "ttft_share", "output_tokens", "success", "time"],
            sql: """
                \(parameters)
                SELECT request_id, agent, model, variant, ttft_ms, latency_ms,
                       round((ttft_ms / nullif(latency_ms, 0))::numeric, 3)::float8 AS ttft_share,
                       output_tokens,
                       success::int AS success,
                       \(utcMilliseconds("ts")) AS time
                FROM calls, p
                WHERE \(callsWindow)
                  AND stream
                  AND ttft_ms IS NOT NULL
                ORDER BY ttft_ms DESC, calls.instance COLLATE "C", calls.local_id
                LIMIT 50
                """),
        "slowest-requests": Twin(
            columns: ["request_id", "agent", "model", "variant", "latency_ms", "success", "error", "fallback", "fallback_model", "time"],
            sql: """
                \(parameters)
                SELECT request_id, agent, model, variant, latency_ms,
                       success::int AS success,
                       error,
                       fallback::int AS fallback,
                       fallback_model,
                       \(utcMilliseconds("ts")) AS time
                FROM calls, p
                WHERE \(callsWindow)
                ORDER BY latency_ms DESC, calls.instance COLLATE "C", calls.local_id
                LIMIT 50
                """),
        "variant-comparison": Twin(
            columns: ["agent", "variant", "models", "requests", "success_pct", "error_pct", "fallback_pct", "avg_latency_ms",
                      "max_latency_ms", "cost_usd", "cost_per_request_usd"],
            sql: """
                \(parameters)
                SELECT agent COLLATE "C" AS agent,
                       variant COLLATE "C" AS variant,
                       count(DISTINCT model)                                                        AS models,
                       count(*)                                                                     AS requests,
                       round((100.0::float8 * sum(success::int) / count(*))::numeric, 2)::float8    AS success_pct,
                       round((100.0::float8 * count(error) / count(*))::numeric, 2)::float8         AS error_pct,
                       round((100.0::float8 * sum(fallback::int) / count(*))::numeric, 2)::float8   AS fallback_pct,
                       round(avg(latency_ms)::numeric, 1)::float8                                   AS avg_latency_ms,
                       round(max(latency_ms)::numeric, 1)::float8                                   AS max_latency_ms,
                       round(sum(cost_usd)::numeric, 6)::float8                                     AS cost_usd,
                       round((sum(cost_usd) / count(*))::numeric, 8)::float8                        AS cost_per_request_usd
                FROM calls, p
                WHERE \(callsWindow)
                GROUP BY calls.agent, calls.variant
                ORDER BY agent, variant
                """),
    ]

    /// Columns returned as bytes and shown, as SQLite's `substr(CAST(x AS TEXT), 1, N)` shows
    /// them, as the first N characters of their UTF-8 text.
    static let textPrefixColumns: [String: [String: Int]] = [
        "rejected-lines": ["excerpt": 200],
    ]
}
