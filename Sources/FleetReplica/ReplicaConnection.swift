import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// One connection to the fleet's PostgreSQL, and what the shipper does through it.
///
/// A connection is opened for a run of batches and dropped on any error; each batch is one
/// transaction: lock this instance's mark row, check it is where this exporter believes it
/// is, COPY the rows into a temporary table, `INSERT ... SELECT ... ON CONFLICT DO NOTHING`
/// into the partitioned table, move the mark, commit. A crash (of either side) at any point
/// before COMMIT leaves neither rows nor mark; after it, both. The next batch reads the mark
/// back, so it neither skips nor repeats a row.
final class ReplicaConnection: @unchecked Sendable {
    // @unchecked: used by one task at a time (the shipper's); the deadline's watchdog calls
    // only `abort()`, and PostgresConnection.close is safe from any thread.
    let connection: PostgresConnection
    let instance: String
    private let logger: Logger
    /// Days whose partitions are known to exist, per stream, so that a batch of known days
    /// costs no DDL round trip.
    private var partitions: [ReplicaStream: Set<Int64>] = [:]
    private var staged = false

    private init(connection: PostgresConnection, instance: String, logger: Logger) {
        self.connection = connection
        self.instance = instance
        self.logger = logger
    }

    private static let nextID = ConnectionNumbers()

    static func open(_ target: ReplicaTarget, instance: String, logger: Logger) async throws -> ReplicaConnection {
        let tls: PostgresConnection.Configuration.TLS
        switch target.tls {
        case .disable:
            tls = .disable
        case .prefer, .require:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            let context = try NIOSSLContext(configuration: configuration)
            tls = target.tls == .prefer ? .prefer(context) : .require(context)
        case .verifyFull:
            tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(
            host: target.host, port: target.port, username: target.user, password: target.password,
            database: target.database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        let connection = try await PostgresConnection.connect(
            configuration: configuration, id: nextID.next(), logger: logger)
        return ReplicaConnection(connection: connection, instance: instance, logger: logger)
    }

    /// Closes the connection at once: pending queries fail, so a batch stuck on a dead server
    /// returns.
    func abort() {
        connection.close().whenComplete { _ in }
    }

    /// The connection is gone (the server closed it, or was killed): start a new one rather
    /// than write to it, since a request written to a closed channel may never be answered.
    var isClosed: Bool { connection.isClosed }

    /// A round trip, to know the server is still there while there is nothing to ship.
    func ping() async throws {
        try await connection.query("SELECT 1", logger: logger)
    }

    /// Closes and waits until the channel is closed (a local matter, quick even when the server
    /// is gone).
    func close() async {
        try? await connection.close()
    }

    // MARK: - Schema

    /// Applies the migrations not applied yet, all in one transaction under an advisory lock:
    /// exporters starting together against an empty database take turns, and the second finds
    /// the first's work committed.
    func migrate() async throws {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(ReplicaSchema.migrationLockKey))", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            var applied: Set<String> = []
            for try await name in try await connection.query("SELECT name FROM schema_migrations", logger: logger).decode(String.self) {
                applied.insert(name)
            }
            for migration in ReplicaSchema.migrations where !applied.contains(migration.name) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO schema_migrations (name) VALUES (\(migration.name))", logger: logger)
                logger.info("applied a PostgreSQL migration", metadata: ["replica.migration": "\(migration.name)"])
            }
        }
    }

    /// This instance's marks, creating them at 0 on first contact (so that each batch can lock
    /// an existing row).
    func marks() async throws -> [ReplicaStream: Int64] {
        var marks: [ReplicaStream: Int64] = [:]
        for stream in ReplicaStream.allCases {
            try await connection.query("""
                INSERT INTO replica_marks (instance, stream, shipped_through) VALUES (\(instance), \(stream.rawValue), 0)
                ON CONFLICT (instance, stream) DO NOTHING
                """, logger: logger)
            let rows = try await connection.query("""
                SELECT shipped_through FROM replica_marks WHERE instance = \(instance) AND stream = \(stream.rawValue)
                """, logger: logger)
            for try await mark in rows.decode(Int64.self) { marks[stream] = mark }
        }
        return marks
    }

    // MARK: - Shipping

    /// Ships one batch in one transaction; returns the new mark.
    func ship(_ batch: ReplicaBatch) async throws -> Int64 {
        try await ensurePartitions(batch.stream, days: batch.days)
        try await ensureStaging()
        let stream = batch.stream
        let instance = self.instance
        let logger = self.logger
        try await connection.withTransaction(logger: logger) { connection in
            let current = try await connection.query("""
                SELECT shipped_through FROM replica_marks WHERE instance = \(instance) AND stream = \(stream.rawValue) FOR UPDATE
                """, logger: logger)
            var mark: Int64?
            for try await value in current.decode(Int64.self) { mark = value }
            guard mark == batch.after else {
                throw ReplicaError(kind: .conflict, message: """
                    the mark of instance \(instance) for \(stream.rawValue) in PostgreSQL is \(mark.map(String.init) ?? "missing"), \
                    not \(batch.after) as this exporter left it: another exporter ships under the same --replica.instance \
                    (give each its own), or the database was restored; shipping resumes from the stored mark
                    """)
            }
            let columns = stream.columns.map(\.name)
            try await connection.copyFrom(table: stream.stagingTable, columns: columns, logger: logger) { writer in
                var text = batch.text
                // Chunks of 1 MiB keep each CopyData message, and the buffer NIO holds, small.
                while text.readableBytes > 0, let chunk = text.readSlice(length: min(text.readableBytes, 1 << 20)) {
                    try await writer.write(chunk)
                }
            }
            let list = columns.joined(separator: ", ")
            try await connection.query(PostgresQuery(unsafeSQL: """
                INSERT INTO \(stream.rawValue) (instance, \(list)) SELECT $1, \(list) FROM pg_temp.\(stream.stagingTable)
                ON CONFLICT DO NOTHING
                """, binds: Self.binds(instance)), logger: logger)
            try await connection.query("""
                UPDATE replica_marks SET shipped_through = \(batch.lastID), updated_at = now()
                WHERE instance = \(instance) AND stream = \(stream.rawValue)
                """, logger: logger)
        }
        return batch.lastID
    }

    private static func binds(_ instance: String) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(instance)
        return binds
    }

    /// The temporary tables batches are COPied into; ON COMMIT DELETE ROWS empties them with
    /// each transaction, committed or not.
    private func ensureStaging() async throws {
        guard !staged else { return }
        for stream in ReplicaStream.allCases {
            let columns = stream.columns.map { "\($0.name) \($0.type)" }.joined(separator: ", ")
            try await connection.query(PostgresQuery(unsafeSQL: """
                CREATE TEMPORARY TABLE IF NOT EXISTS \(stream.stagingTable) (\(columns)) ON COMMIT DELETE ROWS
                """), logger: logger)
        }
        staged = true
    }

    /// Creates the day partitions a batch needs, under an advisory lock so that two exporters
    /// creating the same day's partition take turns instead of one failing.
    private func ensurePartitions(_ stream: ReplicaStream, days: Set<Int64>) async throws {
        let missing = days.subtracting(partitions[stream, default: []])
        guard !missing.isEmpty else { return }
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(ReplicaPartitions.lockKey))", logger: logger)
            for day in missing.sorted() {
                try await connection.query(PostgresQuery(unsafeSQL: ReplicaPartitions.createStatement(stream, day: day)), logger: logger)
            }
        }
        partitions[stream, default: []].formUnion(missing)
    }

    /// Drops the partitions wholly older than `days` days before `now` (epoch seconds); returns
    /// how many. Retention in PostgreSQL is fleet-wide: a partition holds every instance's rows.
    func dropPartitions(olderThanDays days: Int, now: Double) async throws -> Int {
        let cutoffDay = Int64((now / 86400).rounded(.down)) - Int64(days)
        var dropped = 0
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(ReplicaPartitions.lockKey))", logger: logger)
            for stream in ReplicaStream.allCases {
                var names: [String] = []
                let rows = try await connection.query("""
                    SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                    JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = \(stream.rawValue)
                    """, logger: logger)
                for try await name in rows.decode(String.self) { names.append(name) }
                for name in names {
                    guard let day = ReplicaPartitions.day(ofPartition: name, stream), day < cutoffDay else { continue }
                    try await connection.query(PostgresQuery(unsafeSQL: "DROP TABLE \(name)"), logger: logger)
                    dropped += 1
                }
            }
        }
        partitions = [:]
        return dropped
    }
}

/// Connection ids for PostgresNIO's log metadata.
final class ConnectionNumbers: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}
