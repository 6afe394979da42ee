/// The two tables shipped, each with its own high-water mark: the SQLite rowid of the last
/// row shipped. Rowids of a SQLite table with one writer grow with every commit, so the rows a
/// reader sees past a mark are exactly the committed rows not shipped yet.
package enum ReplicaStream: String, Sendable, CaseIterable {
    case calls
    case rejectedLines = "rejected_lines"

    /// The column the PostgreSQL table is partitioned by.
    var timeColumn: String {
        switch self {
        case .calls: "ts"
        case .rejectedLines: "ingested_at"
        }
    }

    /// Columns copied, in the order of ``ReplicaSource``'s SELECT, with their PostgreSQL types
    /// (for the staging table). `instance` is not among them: it is the same for every row of a
    /// batch and is added by the INSERT ... SELECT, not sent 10,000 times.
    var columns: [(name: String, type: String)] {
        switch self {
        case .calls: [
            ("local_id", "bigint"), ("ts", "double precision"), ("request_id", "text"), ("agent", "text"),
            ("model", "text"), ("variant", "text"), ("success", "boolean"), ("fallback", "boolean"),
            ("fallback_model", "text"), ("error", "text"), ("latency_ms", "double precision"),
            ("cost_usd", "double precision"), ("input_tokens", "bigint"), ("output_tokens", "bigint"),
            ("source_id", "bigint"), ("source_offset", "bigint"), ("stream", "boolean"),
            ("ttft_ms", "double precision"), ("cached_input_tokens", "bigint"), ("reasoning_tokens", "bigint"),
            ("cache_hit", "boolean"), ("record_index", "integer"),
        ]
        case .rejectedLines: [
            ("local_id", "bigint"), ("ingested_at", "double precision"), ("source_id", "bigint"),
            ("source_offset", "bigint"), ("reason", "text"), ("detail", "text"), ("line_length", "bigint"),
            ("excerpt", "bytea"), ("record_index", "integer"),
        ]
        }
    }

    /// The temporary table a batch is COPied into before `INSERT ... ON CONFLICT DO NOTHING`.
    var stagingTable: String { "replica_stage_\(rawValue)" }
}
