// CallStore's labels: agent, model, variant, fallback model and error class are stored as
// keys into the `labels` table (migration 0008-interned-labels); the `calls` view turns them
// back into text. The keys are looked up here: the database once per distinct label, the
// `labelIDs` dictionary on a miss of `recentLabelIDs`, which answers most rows.

extension CallStore {
    /// Labels kept in memory at most; past it the cache starts again (a gateway writing
    /// free-text error classes must not grow the exporter's memory without bound). A miss
    /// costs one indexed SELECT.
    static let labelCacheLimit = 50_000

    /// The `labels` key of `value`, inserting it in the open transaction if it is new.
    func labelID(_ value: String) throws(SQLiteError) -> Int64 {
        let hash = StringInterner.hash(value)
        if let id = recentLabelIDs.value(for: value, hash: hash) { return id }
        if let id = labelIDs[value] {
            recentLabelIDs.remember(id, for: value, hash: hash)
            return id
        }
        let select = selectLabelStatement
        select.bind(1, value)
        let found = try select.step() ? select.int64(0) : nil
        select.reset()
        let id: Int64
        if let found {
            id = found
        } else {
            let insert = insertLabelStatement
            insert.bind(1, value)
            try insert.run()
            id = db.lastInsertRowID
            uncommittedLabels.append(value)
        }
        if labelIDs.count >= Self.labelCacheLimit {
            // Keep the labels of the open transaction: forgetUncommittedLabels must find them.
            let open = Set(uncommittedLabels)
            labelIDs = labelIDs.filter { open.contains($0.key) }
            recentLabelIDs.removeAll()
        }
        labelIDs[value] = id
        recentLabelIDs.remember(id, for: value, hash: hash)
        return id
    }

    /// After a rollback: the labels the transaction inserted no longer exist.
    func forgetUncommittedLabels() {
        for value in uncommittedLabels { labelIDs[value] = nil }
        uncommittedLabels.removeAll()
        recentLabelIDs.removeAll()
    }
}
