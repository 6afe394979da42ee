/// How the shipper runs: the target, this exporter's name in the fleet, and its pace.
package struct ReplicaConfiguration: Sendable {
    package var target: ReplicaTarget
    /// This exporter's name in the fleet's tables (`--replica.instance`, default the host name).
    package var instance: String
    /// The SQLite database to read committed rows from (the exporter's own `--storage.path`).
    package var storagePath: String
    /// Days of partitions kept in PostgreSQL; nil keeps them all (`--replica.retention`).
    package var retentionDays: Int?
    /// Rows per PostgreSQL transaction: big enough that a commit's fsync is amortised, small
    /// enough that one batch ships well within ``batchDeadline``.
    package var batchRows = 10_000
    /// A batch (connect, COPY, commit) that takes longer than this is abandoned and its
    /// connection closed: a connection to a server killed mid-batch may otherwise wait forever
    /// for an answer that never comes (no TCP reset reaches us when the host vanishes).
    package var batchDeadline: Duration = .seconds(60)
    /// Backoff after a failure: doubles from `minimum` up to `maximum`.
    package var backoffMinimum: Duration = .milliseconds(200)
    package var backoffMaximum: Duration = .seconds(30)
    /// How often to look for new rows when caught up.
    package var idlePoll: Duration = .milliseconds(200)

    package init(target: ReplicaTarget, instance: String, storagePath: String, retentionDays: Int? = nil) {
        self.target = target
        self.instance = instance
        self.storagePath = storagePath
        self.retentionDays = retentionDays
    }
}
