/// Retention: raw calls past `RetentionPolicy.raw` are rolled up into hourly rollups and
/// deleted in the same transaction, a chunk at a time; quarantined lines past it are deleted;
/// rollups past `RetentionPolicy.rollups` are deleted. Exported counters come from the running
/// totals, not from `calls`, so they never go backwards because of retention. SQLite reuses
/// the freed pages for new rows, so under steady traffic the file stops growing.
///
/// With a replica configured (`policy.shipped`), a row is deleted only once it is shipped:
/// past `raw` but not shipped, it stays until it is (an outage of PostgreSQL grows the local
/// database instead of losing rows), and the newest row of each table always stays (rowids
/// must keep growing past the replica's mark).
extension CallStore {
    /// One chunk of retention work. Returns the rows removed (0 when there is nothing to do).
    package func applyRetention(_ policy: RetentionPolicy, now: Double) throws(SQLiteError) -> Int {
        precondition(!hasOpenBatch, "retention runs between ingest batches")
        let rawCutoff = now - policy.raw
        try db.execute("BEGIN IMMEDIATE")
        do {
            var removed = 0
            // Without a replica every id qualifies (Int64.max).
            let (callsBound, rejectedBound) = try shippedBounds(policy.shipped)
            try db.execute("CREATE TEMP TABLE IF NOT EXISTS expiring (id INTEGER PRIMARY KEY)")
            try db.execute("DELETE FROM temp.expiring")
            let pick = try db.prepare("""
                INSERT INTO temp.expiring SELECT id FROM call_rows WHERE ts < ?1 AND id <= ?3 ORDER BY ts LIMIT ?2
                """)
            pick.bind(1, rawCutoff)
            pick.bind(2, Int64(policy.chunkRows))
            pick.bind(3, callsBound)
            try pick.run()
            if db.changes > 0 {
                try rollUpExpiring()
                // The table under the `calls` view; labels stay (a few bytes each, and reused).
                try db.execute("DELETE FROM call_rows WHERE id IN (SELECT id FROM temp.expiring)")
                removed += db.changes
            }
            let quarantine = try db.prepare("""
                DELETE FROM rejected_lines WHERE id IN (SELECT id FROM rejected_lines WHERE ingested_at < ?1 AND id <= ?3 ORDER BY id LIMIT ?2)
                """)
            quarantine.bind(1, rawCutoff)
            quarantine.bind(2, Int64(policy.chunkRows))
            quarantine.bind(3, rejectedBound)
            try quarantine.run()
            removed += db.changes
            // Rollups: one hour at a time.
            let rollupCutoff = now - policy.rollups
            for table in ["rollups_hourly", "rollup_errors", "rollup_fallbacks", "rollup_latency"] {
                let expire = try db.prepare("DELETE FROM \(table) WHERE hour = (SELECT min(hour) FROM \(table) WHERE hour < ?1)")
                expire.bind(1, rollupCutoff)
                try expire.run()
                removed += db.changes
            }
            try db.execute("COMMIT")
            return removed
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }

    /// The highest rowid of calls and of rejected_lines that retention may delete: with a
    /// replica, the shipped mark (the larger of the shipper's and the one stored by an earlier
    /// run, which this stores) and never the newest row; without one, any.
    private func shippedBounds(_ shipped: ShippedMarks?) throws(SQLiteError) -> (Int64, Int64) {
        guard let shipped else { return (Int64.max, Int64.max) }
        let store = try db.prepare("""
            INSERT INTO replica_shipped (stream, shipped_through) VALUES (?1, ?2)
            ON CONFLICT (stream) DO UPDATE SET shipped_through = max(shipped_through, excluded.shipped_through)
            """)
        var bounds: [Int64] = []
        // The table names are these two literals, never input.
        for (stream, mark) in [("calls", shipped.calls), ("rejected_lines", shipped.rejectedLines)] {
            store.bind(1, stream)
            store.bind(2, mark)
            try store.run()
            let bound = try db.prepare("""
                SELECT min((SELECT shipped_through FROM replica_shipped WHERE stream = ?1),
                           ifnull((SELECT max(id) FROM \(stream == "calls" ? "call_rows" : stream)), 0) - 1)
                """)
            bound.bind(1, stream)
            _ = try bound.step()
            bounds.append(bound.int64(0))
            bound.reset()
        }
        return (bounds[0], bounds[1])
    }

    /// Adds the calls listed in temp.expiring to the hourly rollups.
    private func rollUpExpiring() throws(SQLiteError) {
        let selection = "FROM calls WHERE id IN (SELECT id FROM temp.expiring)"
        let hour = "CAST(ts / 3600 AS INTEGER) * 3600.0"
        try db.execute("""
            INSERT INTO rollups_hourly (hour, agent, model, variant, requests, successes, errors, fallbacks, cost_usd,
                                        input_tokens, output_tokens, latency_sum_ms, latency_max_ms)
            SELECT \(hour), agent, model, variant, count(*), sum(success), sum(error IS NOT NULL), sum(fallback),
                   sum(cost_usd), ifnull(sum(input_tokens), 0), ifnull(sum(output_tokens), 0), sum(latency_ms), max(latency_ms)
            \(selection) GROUP BY 1, 2, 3, 4
            ON CONFLICT (hour, agent, model, variant) DO UPDATE SET
                requests = requests + excluded.requests, successes = successes + excluded.successes,
                errors = errors + excluded.errors, fallbacks = fallbacks + excluded.fallbacks,
                cost_usd = cost_usd + excluded.cost_usd, input_tokens = input_tokens + excluded.input_tokens,
                output_tokens = output_tokens + excluded.output_tokens,
                latency_sum_ms = latency_sum_ms + excluded.latency_sum_ms,
                latency_max_ms = max(latency_max_ms, excluded.latency_max_ms)
            """)
        try db.execute("""
            INSERT INTO rollup_errors (hour, agent, model, variant, error_type, count)
            SELECT \(hour), agent, model, variant, error, count(*) \(selection) AND error IS NOT NULL GROUP BY 1, 2, 3, 4, 5
            ON CONFLICT (hour, agent, model, variant, error_type) DO UPDATE SET count = count + excluded.count
            """)
        try db.execute("""
            INSERT INTO rollup_fallbacks (hour, agent, model, variant, fallback_model, count, rescued)
            SELECT \(hour), agent, model, variant, ifnull(fallback_model, ''), count(*), sum(success)
            \(selection) AND fallback = 1 GROUP BY 1, 2, 3, 4, 5
            ON CONFLICT (hour, agent, model, variant, fallback_model) DO UPDATE SET
                count = count + excluded.count, rescued = rescued + excluded.rescued
            """)
        // The bucket expression is built from the validated, numeric bucket bounds only; no
        // text from the log or a request ever reaches this SQL.
        var bucket = "CASE"
        for bound in bucketBounds {
            bucket += " WHEN latency_ms <= \(bound * 1000) THEN \(bound)"
        }
        bucket += " ELSE 9e999 END"
        try db.execute("""
            INSERT INTO rollup_latency (hour, agent, model, variant, le, count)
            SELECT \(hour), agent, model, variant, \(bucket), count(*) \(selection) GROUP BY 1, 2, 3, 4, 5
            ON CONFLICT (hour, agent, model, variant, le) DO UPDATE SET count = count + excluded.count
            """)
    }
}
