import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import MetricsCore
import NIOCore

/// The SQLite side of shipping: committed rows past a mark, read through a read-only
/// connection of its own (WAL: it never blocks ingest, nor ingest it), encoded for COPY.
///
/// The database may not exist yet when shipping starts (serve creates it): the connection is
/// opened on first use and dropped after any error, so the next batch reopens it. All SQLite
/// work runs on this source's own dispatch queue, never on the cooperative pool that also
/// serves HTTP.
final class ReplicaSource: @unchecked Sendable {
    // @unchecked: `connection` and `statements` are touched only on `queue`.
    let path: String
    private let queue = DispatchQueue(label: "replica.source")
    private var connection: SQLiteConnection?
    private var statements: [ReplicaStream: (select: SQLiteStatement, newest: SQLiteStatement)] = [:]

    init(path: String) {
        self.path = path
    }

    /// The database file exists (before serve creates it, there is nothing to ship).
    var exists: Bool { access(path, F_OK) == 0 }

    /// Up to `limit` rows of `stream` with rowid > `mark`, in rowid order, and the newest rowid.
    func batch(_ stream: ReplicaStream, after mark: Int64, limit: Int) async throws(ReplicaError) -> ReplicaBatch {
        let result: Result<ReplicaBatch, ReplicaError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: Result { () throws(ReplicaError) in
                    try self.read(stream, after: mark, limit: limit)
                })
            }
        }
        return try result.get()
    }

    private func read(_ stream: ReplicaStream, after mark: Int64, limit: Int) throws(ReplicaError) -> ReplicaBatch {
        // serve creates the database a moment after the shipper starts: nothing to ship yet,
        // which is not an error.
        if connection == nil && access(path, F_OK) != 0 { return ReplicaBatch(stream: stream, after: mark) }
        do throws(SQLiteError) {
            let (select, newest) = try prepared(stream)
            defer { select.reset(); newest.reset() }
            var batch = ReplicaBatch(stream: stream, after: mark)
            if try newest.step() { batch.newestID = newest.int64(0) }
            newest.reset()
            select.bind(1, mark)
            select.bind(2, Int64(limit))
            let columns = select.columnCount
            while try select.step() {
                batch.append(select, columns: columns)
            }
            return batch
        } catch {
            connection = nil
            statements = [:]
            throw ReplicaError(kind: .source, message: "cannot read the local database \(path) to ship it: \(error)")
        }
    }

    private func prepared(_ stream: ReplicaStream) throws(SQLiteError) -> (SQLiteStatement, SQLiteStatement) {
        if let statements = statements[stream] { return statements }
        let connection: SQLiteConnection
        if let open = self.connection {
            connection = open
        } else {
            connection = try SQLiteConnection(path: path, mode: .readOnly)
            connection.setBusyTimeout(milliseconds: 1000)
            self.connection = connection
        }
        let columns = stream.columns.map { $0.name == "local_id" ? "id" : $0.name }.joined(separator: ", ")
        let table = stream.rawValue
        let pair = (try connection.prepare("SELECT \(columns) FROM \(table) WHERE id > ?1 ORDER BY id LIMIT ?2"),
                    try connection.prepare("SELECT max(id) FROM \(table)"))
        statements[stream] = pair
        return pair
    }
}

/// One batch of rows of one stream, as COPY text (tab-separated, `\N` for NULL).
struct ReplicaBatch: Sendable {
    var stream: ReplicaStream
    /// The mark the batch starts after.
    var after: Int64
    var rows = 0
    /// The rowid of the batch's last row: the mark once it is shipped.
    var lastID: Int64
    /// The table's newest rowid when the batch was read (for rows behind).
    var newestID: Int64 = 0
    /// Days (epoch seconds / 86400, floored) of the rows' time column: partitions needed.
    var days: Set<Int64> = []
    /// The newest time-column value in the batch.
    var newestTime = -Double.infinity
    var text = ByteBuffer()

    init(stream: ReplicaStream, after: Int64) {
        self.stream = stream
        self.after = after
        self.lastID = after
        text.reserveCapacity(1 << 20)
    }

    mutating func append(_ row: SQLiteStatement, columns: Int32) {
        rows += 1
        lastID = row.int64(0)
        // Column 1 is the time column of both streams (ts, ingested_at).
        let time = row.double(1)
        days.insert(Int64((time / 86400).rounded(.down)))
        newestTime = max(newestTime, time)
        for column in 0..<columns {
            if column > 0 { text.writeInteger(UInt8(ascii: "\t")) }
            CopyText.write(row, column, into: &text)
        }
        text.writeInteger(UInt8(ascii: "\n"))
    }
}
