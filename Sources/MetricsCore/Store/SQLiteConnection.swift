// A thin layer over the system libsqlite3 C API, written by hand on purpose: the ingest path
// needs one prepared INSERT reused across 10k-row transactions with no per-row allocation, and
// the wrappers available here (GRDB: ~420k rows/s measured) cost half the raw API (~850k rows/s).
// Only what CallStore and the query commands use is here.
import CSQLite

/// An error from SQLite, with the database path and SQLite's own message.
package struct SQLiteError: Error, CustomStringConvertible, Sendable {
    package var code: Int32
    package var message: String
    package var path: String

    package var description: String {
        "SQLite error \(code) on \(path): \(message)"
    }
}

/// SQLITE_TRANSIENT tells SQLite to copy bound text before sqlite3_bind_* returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One connection to one database file. Not thread-safe: each connection belongs to one thread.
package final class SQLiteConnection {
    let handle: OpaquePointer
    package let path: String

    package enum Mode: Sendable { case readWrite, readOnly }

    /// Process-wide settings that must precede the first connection.
    private static let configured: Bool = {
        _ = csqlite_disable_memory_statistics()
        return true
    }()

    package init(path: String, mode: Mode = .readWrite) throws(SQLiteError) {
        _ = Self.configured
        var db: OpaquePointer?
        let flags: Int32 = switch mode {
        case .readWrite: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        case .readOnly: SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
        }
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: message, path: path)
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    func error(_ rc: Int32) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)), path: path)
    }

    /// Runs one or more statements that return no rows needed by the caller.
    package func execute(_ sql: String) throws(SQLiteError) {
        var errmsg: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errmsg)
        if rc != SQLITE_OK {
            let message = errmsg.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errmsg)
            throw SQLiteError(code: rc, message: message, path: path)
        }
    }

    package func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc) }
        return SQLiteStatement(stmt, connection: self)
    }

    /// Milliseconds SQLite waits for a lock before returning SQLITE_BUSY.
    package func setBusyTimeout(milliseconds: Int32) {
        sqlite3_busy_timeout(handle, milliseconds)
    }

    /// The database's page size in bytes.
    package func pageSize() throws(SQLiteError) -> Int {
        let select = try prepare("PRAGMA page_size")
        _ = try select.step()
        return Int(select.int64(0))
    }

    package var changes: Int { Int(sqlite3_changes64(handle)) }
    package var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
}

/// A prepared statement. Bind indexes are 1-based as in SQLite.
package final class SQLiteStatement {
    let handle: OpaquePointer
    unowned let connection: SQLiteConnection

    init(_ handle: OpaquePointer, connection: SQLiteConnection) {
        self.handle = handle
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(handle)
    }

    package func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(handle, index, value)
    }

    package func bind(_ index: Int32, _ value: Double) {
        sqlite3_bind_double(handle, index, value)
    }

    package func bind(_ index: Int32, _ value: Bool) {
        sqlite3_bind_int(handle, index, value ? 1 : 0)
    }

    package func bind(_ index: Int32, _ value: String?) {
        guard var value else {
            sqlite3_bind_null(handle, index)
            return
        }
        value.withUTF8 { bytes in
            _ = sqlite3_bind_text(handle, index, UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(bytes.count), transient)
        }
    }

    package func bind(_ index: Int32, _ value: Double?) {
        if let value { bind(index, value) } else { bindNull(index) }
    }

    package func bind(_ index: Int32, _ value: Bool?) {
        if let value { bind(index, value) } else { bindNull(index) }
    }

    package func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    /// Binds bytes that stay valid until the statement is stepped and reset (SQLITE_STATIC):
    /// no copy. The caller guarantees the lifetime.
    package func bindStatic(_ index: Int32, text bytes: UnsafeRawBufferPointer) {
        sqlite3_bind_text(handle, index, bytes.baseAddress?.assumingMemoryBound(to: CChar.self) ?? UnsafePointer(bitPattern: 1), Int32(bytes.count), nil)
    }

    package func bind(_ index: Int32, blob: UnsafeRawBufferPointer) {
        sqlite3_bind_blob(handle, index, blob.baseAddress, Int32(blob.count), transient)
    }

    package func bindNull(_ index: Int32) {
        sqlite3_bind_null(handle, index)
    }

    /// Steps once; true when a row is available.
    @discardableResult
    package func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(rc)
        }
    }

    /// Steps to completion, then resets so the statement can run again.
    package func run() throws(SQLiteError) {
        defer { reset() }
        while try step() {}
    }

    package func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    package var columnCount: Int32 { sqlite3_column_count(handle) }

    package func columnName(_ index: Int32) -> String {
        String(cString: sqlite3_column_name(handle, index))
    }

    package func int64(_ index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }
    package func double(_ index: Int32) -> Double { sqlite3_column_double(handle, index) }
    package func isNull(_ index: Int32) -> Bool { sqlite3_column_type(handle, index) == SQLITE_NULL }

    package func string(_ index: Int32) -> String? {
        guard let text = sqlite3_column_text(handle, index) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeRawBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// SQLite's type code of the column's value in the current row (SQLITE_INTEGER, ...).
    package func columnType(_ index: Int32) -> Int32 { sqlite3_column_type(handle, index) }

    /// The column's text or blob bytes in place, valid until the next step or reset: the
    /// replica shipper encodes them for COPY without making a String of each.
    package func withBytes<R>(_ index: Int32, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let pointer: UnsafeRawPointer? = sqlite3_column_type(handle, index) == SQLITE_BLOB
            ? sqlite3_column_blob(handle, index) : sqlite3_column_text(handle, index).map(UnsafeRawPointer.init)
        let count = Int(sqlite3_column_bytes(handle, index))
        return body(UnsafeRawBufferPointer(start: count > 0 ? pointer : nil, count: count))
    }

    package func blob(_ index: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, index))
        guard count > 0, let pointer = sqlite3_column_blob(handle, index) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// The column's value as a Swift value for generic output (query command): Int64, Double, String, [UInt8] or nil.
    package func value(_ index: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: .integer(int64(index))
        case SQLITE_FLOAT: .real(double(index))
        case SQLITE_TEXT: .text(string(index) ?? "")
        case SQLITE_BLOB: .blob(blob(index))
        default: .null
        }
    }

    /// Index of a named parameter (`:since`), or 0 when the statement has no such parameter.
    package func parameterIndex(_ name: String) -> Int32 {
        sqlite3_bind_parameter_index(handle, name)
    }
}

package enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

extension SQLiteStatement {
    /// Resets for the next run without clearing bindings: for statements that bind every
    /// parameter on every run (the hot insert).
    @inline(__always)
    package func resetKeepingBindings() {
        sqlite3_reset(handle)
    }
}
