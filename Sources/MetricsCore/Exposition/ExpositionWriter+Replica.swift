/// The replica shipper's families (`--replica.url`), written only when a replica is
/// configured: an exporter without one exposes exactly what it did before.
extension ExpositionWriter {
    static func writeReplica(_ replica: ReplicaMetrics, into out: inout Output) {
        out.family("model_exporter_replica_batches", .counter, "Batches committed to the replica PostgreSQL since the process started.")
        out.sample("model_exporter_replica_batches_total", UInt64(max(0, replica.batches)))

        out.family("model_exporter_replica_errors", .counter, "Failed replica batches or connections since the process started, by kind; each is retried with backoff.")
        for (kind, count) in replica.errors.sorted(by: { $0.key < $1.key }) {
            out.raw("model_exporter_replica_errors_total{kind=\"\(kind)\"} ")
            out.raw(PrometheusNumber.format(UInt64(max(0, count))))
            out.raw("\n")
        }

        out.family("model_exporter_replica_last_shipped_timestamp_seconds", .gauge, unit: "seconds", "ts of the newest call shipped to the replica (0 before the first).")
        out.sample("model_exporter_replica_last_shipped_timestamp_seconds", replica.lastShippedTimestamp ?? 0)

        out.family("model_exporter_replica_rows_behind", .gauge, "Rows stored locally and not yet in the replica (calls and quarantined lines).")
        out.sample("model_exporter_replica_rows_behind", Double(replica.rowsBehind))

        out.family("model_exporter_replica_up", .gauge, "1 when the last attempt to ship reached the replica PostgreSQL.")
        out.sample("model_exporter_replica_up", replica.up ? 1.0 : 0.0)
    }
}
