/// How long raw calls and rollups are kept.
package struct RetentionPolicy: Sendable, Equatable {
    /// Seconds raw calls and quarantined lines are kept.
    package var raw: Double
    /// Seconds hourly rollups are kept.
    package var rollups: Double
    /// Rows deleted per transaction: small, so the single writer is never held for long and
    /// ingest goes on between chunks.
    package var chunkRows: Int
    /// Set when a replica is configured: rows not yet shipped to PostgreSQL are kept past
    /// `raw` until they are (the local database is the replica's buffer), and the newest row
    /// of each table is kept, so that SQLite never hands out a rowid the replica's mark has
    /// already passed (it reuses max(rowid) + 1 of a table emptied by retention).
    package var shipped: ShippedMarks?

    package init(raw: Double = 30 * 86400, rollups: Double = 400 * 86400, chunkRows: Int = 5000, shipped: ShippedMarks? = nil) {
        self.raw = raw
        self.shipped = shipped
        self.rollups = rollups
        self.chunkRows = chunkRows
    }
}
