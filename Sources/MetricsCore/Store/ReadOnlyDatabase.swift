import Dispatch
import Synchronization

/// The HTTP side's own read-only connection to the database, with its last result kept for
/// `cacheSeconds`, shared by ``AgentHealthProbe`` and ``StatusPageSource``.
///
/// - The connection is opened on first use (serve may not have created the database yet) and
///   dropped after any error, so that the next read reopens it (the file may have been
///   missing, or replaced). In WAL mode a reader never blocks the writer; callers reset each
///   statement as soon as it has been read, so no read transaction lingers to hold back WAL
///   checkpoints.
/// - A connection belongs to one thread at a time: it lives in a `Mutex`, and readers that
///   find the result stale take turns; the first refreshes it and the others reuse it. The
///   cached result has its own lock, so a fresh answer never waits behind a query.
/// - ``onQueue(_:)`` runs work on a dedicated dispatch queue, never on the caller's thread
///   (an event loop must not block on SQLite).
final class ReadOnlyDatabase<Statements, Value: Sendable>: Sendable {
    let path: String
    let cacheSeconds: Double
    private let prepare: @Sendable (SQLiteConnection) throws(SQLiteError) -> Statements

    private struct Open {
        var connection: SQLiteConnection?
        var statements: Statements?
    }

    private let open = Mutex(Open())
    private let latest = Mutex<(at: Double, value: Value)?>(nil)
    private let queue: DispatchQueue

    /// `prepare` makes the statements once per connection; `queueLabel` names the dispatch queue.
    init(path: String, cacheSeconds: Double, queueLabel: String,
         prepare: @escaping @Sendable (SQLiteConnection) throws(SQLiteError) -> Statements) {
        self.path = path
        self.cacheSeconds = cacheSeconds
        self.queue = DispatchQueue(label: queueLabel)
        self.prepare = prepare
    }

    /// The cached value if it was read at most `cacheSeconds` before `now` (and not after it).
    func fresh(now: Double) -> Value? {
        latest.withLock { latest in
            guard let latest, now >= latest.at, now - latest.at < cacheSeconds else { return nil }
            return latest.value
        }
    }

    /// A fresh value: the cached one, else `read` run now with the connection's statements.
    /// Any SQLite error closes the connection.
    func value(now: Double, read: (Statements, Double) throws(SQLiteError) -> Value) throws(SQLiteError) -> Value {
        if let value = fresh(now: now) { return value }
        let result: Result<Value, SQLiteError> = open.withLock { open in
            // Another request may have refreshed it while this one waited for the connection.
            if let value = fresh(now: now) { return .success(value) }
            do throws(SQLiteError) {
                if open.connection == nil {
                    let connection = try SQLiteConnection(path: path, mode: .readOnly)
                    // WAL readers do not wait for the writer; this only bounds a wait on WAL
                    // recovery after a crash, so a health check or page load cannot hang on it.
                    connection.setBusyTimeout(milliseconds: 250)
                    open.statements = try prepare(connection)
                    open.connection = connection
                }
                guard let statements = open.statements else {
                    throw SQLiteError(code: 1, message: "no prepared statement", path: path)
                }
                return .success(try read(statements, now))
            } catch {
                open = Open()
                return .failure(error)
            }
        }
        let value = try result.get()
        latest.withLock { $0 = (now, value) }
        return value
    }

    /// `work` on this database's own queue.
    func onQueue<T: Sendable, E: Error>(_ work: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: Result { () throws(E) in try work() })
            }
        }
        return try result.get()
    }
}
