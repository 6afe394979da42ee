/// The PostgreSQL schema as named, forward-only migrations, like the SQLite one
/// (`StoreSchema`): a migration is never edited once released; a change is a new one appended.
///
/// - `calls` and `rejected_lines` mirror the SQLite tables of the same names, plus `instance`
///   (which exporter shipped the row) and `local_id` (its rowid in that exporter's SQLite).
///   Booleans are `boolean` rather than SQLite's 0/1.
/// - Both are partitioned by day on their time column (`ts`, `ingested_at`; epoch seconds as
///   in SQLite, so the shipped queries read the same), so that retention is dropping
///   partitions (``ReplicaPartitions``). Partitions are created ahead of the rows that need
///   them, by the shipper; there is no default partition, because a default partition holding
///   rows of a day would forbid creating that day's partition later.
/// - The unique key on a row's identity, `(instance, source_id, source_offset, record_index,
///   ts)`, is defence in depth beside the high-water mark: the batch insert is
///   `ON CONFLICT DO NOTHING`. A unique key on a partitioned table must hold the partition key,
///   hence `ts` in it (a line's `ts` never changes, so it adds nothing to the identity).
/// - `replica_marks` holds, per instance and stream, the highest SQLite rowid shipped; it is
///   updated in the transaction that inserts the rows, so rows and mark commit together.
///
/// Every statement is separate: PostgresNIO's extended protocol runs one statement per query.
package enum ReplicaSchema {
    package struct Migration: Sendable {
        package var name: String
        package var statements: [String]
    }

    /// The advisory lock key under which migrations run: several exporters starting at once
    /// against an empty database take turns, and each finds the others' work done.
    static let migrationLockKey: Int64 = 0x6D_6F_64_65_6C_01 // "model", 1

    package static let migrations: [Migration] = [
        Migration(name: "0001-initial", statements: [
            """
            CREATE TABLE calls (
                instance text NOT NULL,
                local_id bigint NOT NULL,
                ts double precision NOT NULL,
                request_id text,
                agent text NOT NULL,
                model text NOT NULL,
                variant text NOT NULL,
                success boolean NOT NULL,
                fallback boolean NOT NULL,
                fallback_model text,
                error text,
                latency_ms double precision NOT NULL,
                cost_usd double precision NOT NULL,
                input_tokens bigint,
                output_tokens bigint,
                source_id bigint NOT NULL,
                source_offset bigint NOT NULL,
                stream boolean,
                ttft_ms double precision,
                cached_input_tokens bigint,
                reasoning_tokens bigint,
                cache_hit boolean,
                record_index integer NOT NULL,
                UNIQUE (instance, source_id, source_offset, record_index, ts)
            ) PARTITION BY RANGE (ts)
            """,
            // Every incident query is a time window, many of them for one agent.
            "CREATE INDEX calls_ts ON calls (ts)",
            "CREATE INDEX calls_agent_ts ON calls (agent, ts)",
            """
            CREATE TABLE rejected_lines (
                instance text NOT NULL,
                local_id bigint NOT NULL,
                ingested_at double precision NOT NULL,
                source_id bigint NOT NULL,
                source_offset bigint NOT NULL,
                reason text NOT NULL,
                detail text NOT NULL,
                line_length bigint NOT NULL,
                excerpt bytea NOT NULL,
                record_index integer NOT NULL,
                UNIQUE (instance, source_id, source_offset, record_index, ingested_at)
            ) PARTITION BY RANGE (ingested_at)
            """,
            "CREATE INDEX rejected_lines_ingested_at ON rejected_lines (ingested_at)",
            """
            CREATE TABLE replica_marks (
                instance text NOT NULL,
                stream text NOT NULL CHECK (stream IN ('calls', 'rejected_lines')),
                shipped_through bigint NOT NULL,
                updated_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (instance, stream)
            )
            """,
        ]),
    ]
}
