/// Retention: raw calls past `RetentionPolicy.raw` are rolled up into hourly rollups and
/// deleted in the same transaction, a chunk at a time; quarantined lines past it are deleted;
/// rollups past `RetentionPolicy.rollups` are deleted. Exported counters come from the running
/// totals, not from `calls`, so they never go backwards because of retention. SQLite reuses
/// the freed pages for new rows, so under steady traffic the file stops growing.
extension CallStore {
    /// One chunk of retention work. Returns the rows removed (0 when there is nothing to do).
    package func applyRetention(_ policy: RetentionPolicy, now: Double) throws(SQLiteError) -> Int {
        precondition(!hasOpenBatch, "retention runs between ingest batches")
        let rawCutoff = now - policy.raw
        try db.execute("BEGIN IMMEDIATE")
        do {
            var removed = 0
            try db.execute("CREATE TEMP TABLE IF NOT EXISTS expiring (id INTEGER PRIMARY KEY)")
            try db.execute("DELETE FROM temp.expiring")
            let pick = try db.prepare("INSERT INTO temp.expiring SELECT id FROM calls WHERE ts < ?1 ORDER BY ts LIMIT ?2")
            pick.bind(1, rawCutoff)
            pick.bind(2, Int64(policy.chunkRows))
            try pick.run()
            if db.changes > 0 {
                try rollUpExpiring()
                try db.execute("DELETE FROM calls WHERE id IN (SELECT id FROM temp.expiring)")
                removed += db.changes
            }
            let quarantine = try db.prepare("""
                DELETE FROM rejected_lines WHERE id IN (SELECT id FROM rejected_lines WHERE ingested_at < ?1 ORDER BY id LIMIT ?2)
                """)
            quarantine.bind(1, rawCutoff)
            quarantine.bind(2, Int64(policy.chunkRows))
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
