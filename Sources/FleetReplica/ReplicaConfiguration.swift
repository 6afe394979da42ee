/// How the shipper runs: the target, this exporter's name in the fleet, and its pace.
public struct ReplicaConfiguration: Sendable {
    public var target: ReplicaTarget
    /// This exporter's name in the fleet's tables (`--replica.instance`, default the host name).
    public var instance: String
    /// The SQLite database to read committed rows from (the exporter's own `--storage.path`).
    public var storagePath: String
    /// Days of partitions kept in PostgreSQL; nil keeps them all (`--replica.retention`).
    public var retentionDays: Int?
    /// Rows per PostgreSQL transaction: big enough that a commit's fsync is amortised, small
    /// enough that one batch ships well within ``batchDeadline``.
    public var batchRows = 10_000
    /// A batch (connect, COPY, commit) that takes longer than this is abandoned and its
    /// connection closed: a connection to a server killed mid-batch may otherwise wait forever
    /// for an answer that never comes (no TCP reset reaches us when the host vanishes).
    public var batchDeadline: Duration = .seconds(60)
    /// Backoff after a failure: doubles from `minimum` up to `maximum`.
    public var backoffMinimum: Duration = .milliseconds(200)
    public var backoffMaximum: Duration = .seconds(30)
    /// How often to look for new rows when caught up.
    public var idlePoll: Duration = .milliseconds(200)

    public init(target: ReplicaTarget, instance: String, storagePath: String, retentionDays: Int? = nil) {
        self.target = target
        self.instance = instance
        self.storagePath = storagePath
        self.retentionDays = retentionDays
    }
}
