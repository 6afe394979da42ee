import CSQLite

/// Reading the report from the database.
///
/// `calls` has one index, `calls_ts` (an `(agent, ts)` index cost a quarter of ingest
/// throughput and was dropped), so every agent is read in the same range scan of the window,
/// and `--agent` filters within it. The scan is a single pass that sums each arm's counts and
/// collects its latencies in Swift, where each arm is then sorted once for the percentiles
/// and the Mann–Whitney ranks. Aggregating in SQL instead (`GROUP BY agent, variant`) was
/// measured at 5× the cost of the scan itself, all of it SQLite sorting the window's rows
/// into groups (0.36 s against 0.07 s for a day of a 10M-call database); Swift groups by hash
/// as it reads. Rollups (a few rows per hour) are aggregated in SQL, by their primary key,
/// which starts with the hour. Everything runs in one read transaction, so a retention chunk
/// moving calls into rollups mid-report cannot count a call twice or not at all. Only bound
/// parameters reach the SQL.
extension ABReport {
    /// - Parameters:
    ///   - since, until: the window in epoch seconds, [since, until). A rolled-up hour counts
    ///     when its start is in the window.
    ///   - agent: only this agent (reported, as "not enough data", even without calls).
    package static func load(from db: SQLiteConnection, since: Double, until: Double, agent: String?,
                            minimumSamples: Int = defaultMinimumSamples,
                            maximumCostIncrease: Double = defaultMaximumCostIncrease,
                            rolloutStage: RolloutStage? = nil) throws(SQLiteError) -> ABReport {
        try db.execute("BEGIN")
        do throws(SQLiteError) {
            let arms = try WindowReader(db).read(since: since, until: until, agent: agent)
            try db.execute("COMMIT")
            return assemble(arms, since: since, until: until, agent: agent, minimumSamples: minimumSamples,
                            maximumCostIncrease: maximumCostIncrease, rolloutStage: rolloutStage)
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }
}

extension ABReport {
    /// The arms read, sorted and compared: shared with ``ABReportRows`` (the fleet's rows).
    static func assemble(_ arms: [String: ArmPair], since: Double, until: Double, agent: String?, minimumSamples: Int,
                         maximumCostIncrease: Double, rolloutStage: RolloutStage?) -> ABReport {
        var arms = arms
        if let agent, arms[agent] == nil { arms[agent] = ArmPair() }
        var comparisons: [AgentComparison] = []
        for (name, var pair) in arms.sorted(by: { $0.key < $1.key }) {
            pair.baseline.latency.sortedMilliseconds.sort()
            pair.finetuned.latency.sortedMilliseconds.sort()
            pair.baseline.ttft.sortedMilliseconds.sort()
            pair.finetuned.ttft.sortedMilliseconds.sort()
            pair.baseline.models.sort()
            pair.finetuned.models.sort()
            comparisons.append(AgentComparison(agent: name, baseline: pair.baseline, finetuned: pair.finetuned,
                                               minimumSamples: minimumSamples, maximumCostIncrease: maximumCostIncrease))
        }
        return ABReport(since: since, until: until, minimumSamples: minimumSamples, agentFilter: agent, agents: comparisons,
                        maximumCostIncrease: maximumCostIncrease, rolloutStage: rolloutStage)
    }
}

struct ArmPair: Sendable {
    var baseline = ArmSummary()
    var finetuned = ArmSummary()

    /// Changes one arm in place (no copy of its latency array).
    mutating func update(finetuned isFinetuned: Bool, _ change: (inout ArmSummary) -> Void) {
        if isFinetuned { change(&finetuned) } else { change(&baseline) }
    }
}

/// The three queries of a report. `?3` is the agent or NULL for all; `(?3 IS NULL OR agent = ?3)`
/// costs nothing here, since the scan is by time either way.
private struct WindowReader {
    let calls: SQLiteStatement
    let rollupTotals: SQLiteStatement
    let rollupLatencies: SQLiteStatement

    init(_ db: SQLiteConnection) throws(SQLiteError) {
        calls = try db.prepare("""
            SELECT agent, variant = 'finetuned', success, error IS NOT NULL, fallback, cost_usd,
                   ifnull(input_tokens, 0), ifnull(output_tokens, 0), latency_ms, model,
                   CASE WHEN stream = 1 THEN ttft_ms END
            FROM calls
            WHERE ts >= ?1 AND ts < ?2 AND (?3 IS NULL OR agent = ?3) AND variant IN ('baseline', 'finetuned')
            """)
        rollupTotals = try db.prepare("""
            SELECT agent, variant = 'finetuned', sum(requests), sum(successes), sum(errors), sum(fallbacks), sum(cost_usd),
                   sum(input_tokens), sum(output_tokens), group_concat(DISTINCT model)
            FROM rollups_hourly
            WHERE hour >= ?1 AND hour < ?2 AND (?3 IS NULL OR agent = ?3) AND variant IN ('baseline', 'finetuned')
            GROUP BY agent, variant
            """)
        rollupLatencies = try db.prepare("""
            SELECT agent, variant = 'finetuned', le, sum(count)
            FROM rollup_latency
            WHERE hour >= ?1 AND hour < ?2 AND (?3 IS NULL OR agent = ?3) AND variant IN ('baseline', 'finetuned')
            GROUP BY agent, variant, le
            """)
    }

    func read(since: Double, until: Double, agent: String?) throws(SQLiteError) -> [String: ArmPair] {
        var arms: [String: ArmPair] = [:]
        do {
            defer { calls.reset() }
            bind(calls, since, until, agent)
            // The model is read as bytes and compared with the arm's last one: an arm nearly
            // always has one model, and making a String of it for every row would cost more
            // than everything else in the loop.
            var lastModel: [String: (baseline: [UInt8], finetuned: [UInt8])] = [:]
            while try calls.step() {
                let name = calls.string(0) ?? ""
                let isFinetuned = calls.int64(1) != 0
                let success = calls.int64(2), error = calls.int64(3), fallback = calls.int64(4)
                let cost = calls.double(5), input = calls.int64(6), output = calls.int64(7), latency = calls.double(8)
                let ttft: Double? = calls.isNull(10) ? nil : calls.double(10)
                let newModel: [UInt8]? = calls.withText(9) { bytes in
                    let last = isFinetuned ? lastModel[name]?.finetuned : lastModel[name]?.baseline
                    return last.map { $0.elementsEqual(bytes) } == true ? nil : Array(bytes)
                }
                arms[name, default: ArmPair()].update(finetuned: isFinetuned) { arm in
                    arm.requests += 1
                    arm.successes += Int(success)
                    arm.errors += Int(error)
                    arm.fallbacks += Int(fallback)
                    arm.costUSD += cost
                    arm.inputTokens += Int(input)
                    arm.outputTokens += Int(output)
                    arm.latency.sortedMilliseconds.append(latency)
                    if let ttft { arm.ttft.sortedMilliseconds.append(ttft) }
                    if let newModel {
                        let model = String(decoding: newModel, as: UTF8.self)
                        if !arm.models.contains(model) { arm.models.append(model) }
                    }
                }
                if let newModel {
                    if isFinetuned { lastModel[name, default: ([], [])].finetuned = newModel } else { lastModel[name, default: ([], [])].baseline = newModel }
                }
            }
        }
        do {
            defer { rollupTotals.reset() }
            bind(rollupTotals, since, until, agent)
            while try rollupTotals.step() {
                let name = rollupTotals.string(0) ?? ""
                let statement = rollupTotals
                arms[name, default: ArmPair()].update(finetuned: statement.int64(1) != 0) { arm in
                    let requests = Int(statement.int64(2))
                    arm.requests += requests
                    arm.rolledUpRequests += requests
                    arm.successes += Int(statement.int64(3))
                    arm.errors += Int(statement.int64(4))
                    arm.fallbacks += Int(statement.int64(5))
                    arm.costUSD += statement.double(6)
                    arm.inputTokens += Int(statement.int64(7))
                    arm.outputTokens += Int(statement.int64(8))
                    for model in (statement.string(9) ?? "").split(separator: ",").map(String.init) where !arm.models.contains(model) {
                        arm.models.append(model)
                    }
                }
            }
        }
        do {
            defer { rollupLatencies.reset() }
            bind(rollupLatencies, since, until, agent)
            while try rollupLatencies.step() {
                let name = rollupLatencies.string(0) ?? ""
                // +Inf is stored as 9e999, which SQLite reads back as infinity.
                let bound = rollupLatencies.double(2)
                let count = Int(rollupLatencies.int64(3))
                arms[name, default: ArmPair()].update(finetuned: rollupLatencies.int64(1) != 0) { arm in
                    arm.latency.rolledUpBuckets[bound, default: 0] += count
                }
            }
        }
        return arms
    }

    private func bind(_ statement: SQLiteStatement, _ since: Double, _ until: Double, _ agent: String?) {
        statement.bind(1, since)
        statement.bind(2, until)
        statement.bind(3, agent)
    }
}

extension SQLiteStatement {
    /// The column's text as bytes, valid only inside `body`: no String is made.
    fileprivate func withText<R>(_ index: Int32, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        // Text first, then its length: SQLite documents that order (the length is of the text
        // as converted).
        guard let text = sqlite3_column_text(handle, index) else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return body(UnsafeRawBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, index))))
    }
}
