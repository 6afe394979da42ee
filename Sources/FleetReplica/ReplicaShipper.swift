package import Logging
package import MetricsCore
import Synchronization

/// Ships every committed row of the local SQLite (calls, then quarantined lines) to the
/// fleet's PostgreSQL exactly once, in rowid order, in batches, behind ingest.
///
/// Cases it handles, and the tests that prove each (Tests/FleetReplicaTests):
/// - Rows shipped equal the rows stored, none twice (`ReplicaShipperTests.shipsEveryRowOnce`).
/// - Several exporters, one database: each instance has its own marks; the sums over the fleet
///   are the sums of the instances (`ReplicaShipperTests.twoInstancesSumToTheFleet`).
/// - Kill -9 of the exporter at any moment: rows and mark commit in one PostgreSQL
///   transaction and the next batch starts from the mark read back, so nothing is lost or
///   doubled (`ReplicaKillTests`).
/// - PostgreSQL down, stopped for a while or killed mid-batch: the batch fails, the connection
///   is dropped, the shipper backs off (doubling, capped) and the backlog drains when the server
///   is back (`ReplicaFaultTests`). A batch that hangs on a dead connection is abandoned at its
///   deadline and its connection closed.
/// - Wrong password, unreachable host: one clear message per change of the failure (not one per
///   retry), the error counted by kind, retried with backoff; ingest never waits.
/// - Several exporters starting at once on an empty database: migrations and partition DDL run
///   under advisory locks (`ReplicaSchemaTests.concurrentMigratorsDoNotRace`).
/// - A mark in PostgreSQL that is not where this exporter left it (two exporters under one
///   `--replica.instance`, or a replaced local database): refused with what to do, never
///   skipped or doubled (`ReplicaFaultTests.aReplacedDatabaseUnderAnOldInstanceNameIsRefusedNotSkipped`).
package final class ReplicaShipper: Sendable {
    package let configuration: ReplicaConfiguration
    private let logger: Logger
    private let marks: ShippedMarks
    private let publish: @Sendable (ReplicaMetrics) -> Void
    private let state = Mutex(ReplicaMetrics())

    /// - Parameters:
    ///   - marks: where committed marks are reported for retention.
    ///   - publish: called with the new state after each change (the board, in `serve`).
    package init(configuration: ReplicaConfiguration, marks: ShippedMarks = ShippedMarks(), logger: Logger,
                publish: @escaping @Sendable (ReplicaMetrics) -> Void = { _ in }) {
        self.configuration = configuration
        self.marks = marks
        self.logger = logger
        self.publish = publish
        state.withLock { state in
            for kind in ReplicaError.Kind.allCases { state.errors[kind.rawValue] = 0 }
        }
    }

    package var metrics: ReplicaMetrics { state.withLock { $0 } }

    /// Ships until cancelled. Never throws: every failure is counted, logged and retried.
    package func run() async {
        let source = ReplicaSource(path: configuration.storagePath)
        var session: Session?
        var backoff = configuration.backoffMinimum
        var lastFailure: String?
        var lastRetention = -Double.infinity
        publishState()
        while !Task.isCancelled {
            do {
                let current: Session
                if let session { current = session } else { current = try await openSession() }
                session = current
                let shipped = try await withDeadline(configuration.batchDeadline, onTimeout: { current.connection.abort() }) {
                    try await self.shipOnce(current, source: source)
                }
                if lastFailure != nil {
                    logger.notice("shipping to PostgreSQL again", metadata: ["replica.target": "\(configuration.target)"])
                    lastFailure = nil
                }
                backoff = configuration.backoffMinimum
                if let days = configuration.retentionDays, WallClock.monotonic() - lastRetention >= 3600 {
                    lastRetention = WallClock.monotonic()
                    let dropped = try await current.connection.dropPartitions(olderThanDays: days, now: WallClock.now())
                    if dropped > 0 { logger.info("dropped PostgreSQL partitions past --replica.retention", metadata: ["replica.partitions": "\(dropped)"]) }
                }
                if shipped == 0 { try? await Task.sleep(for: configuration.idlePoll) }
            } catch {
                if Task.isCancelled { break }
                let failure = ReplicaError.classify(error, target: configuration.target)
                state.withLock {
                    $0.up = false
                    $0.errors[failure.kind.rawValue, default: 0] += 1
                    $0.lastError = failure.message
                }
                publishState()
                // One message per change of the failure, not one per retry: an outage of hours
                // must not fill the journal.
                if failure.message != lastFailure {
                    logger.error("cannot ship to PostgreSQL; retrying with backoff", metadata: [
                        "replica.error": "\(failure.message)", "replica.kind": "\(failure.kind.rawValue)",
                        "replica.target": "\(configuration.target)",
                    ])
                    lastFailure = failure.message
                }
                // Closed and waited for before it is released: PostgresNIO asserts that a
                // connection is closed when it goes away.
                if let session { await session.connection.close() }
                session = nil
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, configuration.backoffMaximum)
            }
        }
        if let session { await session.connection.close() }
    }

    /// Batches of one stream per turn of the loop: a long backlog still lets the other stream,
    /// the metrics and retention have their turn, and keeps a turn far inside its deadline.
    static let batchesPerTurn = 4

    /// A connection with the schema migrated and this instance's marks read back.
    final class Session: @unchecked Sendable {
        // @unchecked: used by the shipper's task only, one batch at a time.
        let connection: ReplicaConnection
        var marks: [ReplicaStream: Int64]
        /// Monotonic time of the last round trip that succeeded.
        var lastContact = WallClock.monotonic()
        init(connection: ReplicaConnection, marks: [ReplicaStream: Int64]) {
            self.connection = connection
            self.marks = marks
        }
    }

    private func openSession() async throws -> Session {
        let connection = try await withDeadline(configuration.batchDeadline, onTimeout: {}) {
            try await ReplicaConnection.open(self.configuration.target, instance: self.configuration.instance, logger: self.logger)
        }
        do {
            let marks = try await withDeadline(configuration.batchDeadline, onTimeout: { connection.abort() }) {
                try await connection.migrate()
                return try await connection.marks()
            }
            self.marks.shipped(calls: marks[.calls], rejectedLines: marks[.rejectedLines])
            logger.info("connected to PostgreSQL", metadata: [
                "replica.target": "\(configuration.target)", "replica.instance": "\(configuration.instance)",
                "replica.calls_mark": "\(marks[.calls] ?? 0)", "replica.rejected_lines_mark": "\(marks[.rejectedLines] ?? 0)",
            ])
            return Session(connection: connection, marks: marks)
        } catch {
            await connection.close()
            throw error
        }
    }

    /// One batch of each stream that has rows to ship; returns the rows shipped.
    private func shipOnce(_ session: Session, source: ReplicaSource) async throws -> Int {
        var shipped = 0
        var behind: Int64 = 0
        guard !session.connection.isClosed else {
            throw ReplicaError(kind: .connection, message: "the connection to PostgreSQL at \(configuration.target.host):\(configuration.target.port) was closed (the server stopped or restarted); reconnecting")
        }
        for stream in ReplicaStream.allCases {
            let mark = session.marks[stream] ?? 0
            var batch = try await source.batch(stream, after: mark, limit: configuration.batchRows)
            var newestID = batch.newestID
            // Retention always keeps the newest row, so a mark past it means this is not the
            // database that was shipped under this instance: its rows up to the mark would be
            // skipped silently. Refuse, and say what to do.
            if mark > newestID && source.exists {
                throw ReplicaError(kind: .conflict, message: """
                    PostgreSQL has \(stream.rawValue) of instance \(configuration.instance) shipped through rowid \(mark), past the \
                    newest row of \(configuration.storagePath) (\(newestID)): this database is not the one shipped under that name \
                    (replaced or restored). Give this exporter a new --replica.instance, or delete that instance's rows in \
                    replica_marks if its rows in PostgreSQL are to be shipped again
                    """)
            }
            var round = 0
            while batch.rows > 0 {
                // Read ahead: the next batch is read and encoded from SQLite while PostgreSQL
                // inserts this one, so the two sides work at once (docs/fleet.md: the serial
                // loop was bound by their sum). If this batch fails the read-ahead is dropped.
                let readAhead = round + 1 < Self.batchesPerTurn
                let current = batch
                let limit = configuration.batchRows
                async let next = readAhead ? source.batch(stream, after: current.lastID, limit: limit) : nil
                let newMark = try await session.connection.ship(current)
                session.marks[stream] = newMark
                shipped += batch.rows
                switch stream {
                case .calls: marks.shipped(calls: newMark)
                case .rejectedLines: marks.shipped(rejectedLines: newMark)
                }
                let shippedBatch = current
                state.withLock {
                    $0.batches += 1
                    if stream == .calls { $0.lastShippedTimestamp = max($0.lastShippedTimestamp ?? -.infinity, shippedBatch.newestTime) }
                    $0.rowsBehind = max(0, newestID - newMark)
                }
                round += 1
                guard let following = try await next else { break }
                batch = following
                newestID = max(newestID, batch.newestID)
            }
            behind += max(0, newestID - (session.marks[stream] ?? 0))
        }
        // Nothing to ship for a while: a round trip anyway, so that `up` and /health tell the
        // truth about the server while traffic is quiet.
        if shipped == 0 && WallClock.monotonic() - session.lastContact >= 5 {
            try await session.connection.ping()
        }
        session.lastContact = WallClock.monotonic()
        state.withLock {
            $0.up = true
            $0.rowsBehind = behind
            $0.lastError = nil
        }
        publishState()
        return shipped
    }

    private func publishState() {
        publish(metrics)
    }
}

