/// How long raw calls and rollups are kept.
package struct RetentionPolicy: Sendable, Equatable {
    /// Seconds raw calls and quarantined lines are kept.
    package var raw: Double
    /// Seconds hourly rollups are kept.
    package var rollups: Double
    /// Rows deleted per transaction: small, so the single writer is never held for long and
    /// ingest goes on between chunks.
    package var chunkRows: Int

    package init(raw: Double = 30 * 86400, rollups: Double = 400 * 86400, chunkRows: Int = 5000) {
        self.raw = raw
        self.rollups = rollups
        self.chunkRows = chunkRows
    }
}
