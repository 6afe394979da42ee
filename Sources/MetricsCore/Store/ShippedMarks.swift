import Synchronization

/// How far the replica shipper has committed rows to PostgreSQL: the highest rowid of `calls`
/// and of `rejected_lines` known shipped. Written by the shipper after each committed batch,
/// read by retention on the ingest thread, which never deletes a row past it (the local
/// database is the replica's buffer). A lock around two integers: neither side ever waits.
///
/// Retention also persists the marks it read (table `replica_shipped`, migration 0007), so
/// that after a restart it may go on deleting shipped rows before the shipper has reached
/// PostgreSQL again; a value there is always one PostgreSQL confirmed.
package final class ShippedMarks: Sendable, Equatable {
    private let marks = Mutex((calls: Int64(0), rejectedLines: Int64(0)))

    package init() {}

    package var calls: Int64 { marks.withLock { $0.calls } }
    package var rejectedLines: Int64 { marks.withLock { $0.rejectedLines } }

    /// Records a committed mark; marks only move forward.
    package func shipped(calls: Int64? = nil, rejectedLines: Int64? = nil) {
        marks.withLock {
            if let calls { $0.calls = max($0.calls, calls) }
            if let rejectedLines { $0.rejectedLines = max($0.rejectedLines, rejectedLines) }
        }
    }

    package static func == (lhs: ShippedMarks, rhs: ShippedMarks) -> Bool { lhs === rhs }
}
