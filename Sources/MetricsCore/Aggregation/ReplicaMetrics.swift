/// The replica shipper's state as /metrics and /health show it (`model_exporter_replica_*`);
/// absent from a snapshot when no replica is configured, so the default exposition is unchanged.
package struct ReplicaMetrics: Sendable, Equatable {
    /// The last batch (or the last look for rows) reached PostgreSQL.
    package var up = false
    /// Rows committed locally and not yet in PostgreSQL, over both streams.
    package var rowsBehind: Int64 = 0
    /// `ts` of the newest call shipped; nil before the first.
    package var lastShippedTimestamp: Double?
    /// Batches committed in PostgreSQL by this process.
    package var batches: Int64 = 0
    /// Failures by kind (connect, auth, server, connection, timeout, source, conflict), every kind present.
    package var errors: [String: Int64] = [:]
    /// The last failure's message, while shipping is failing (for /health).
    package var lastError: String?

    package init() {}
}
