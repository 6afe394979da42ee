#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSQLite
import Logging
import MetricsCore

/// The databases of the store and ship measures (the ceiling makes its own: CeilingBenchmark).
enum DatabaseFiles {
    /// The `sources` row every benchmark row refers to.
    static let sourceID: Int64 = 1

    /// A fresh database with the product's schema (made by CallStore, then closed) and one
    /// source row, written through SQLite directly so as not to depend on how CallStore
    /// registers files.
    static func create(_ path: String) throws {
        remove(path)
        do {
            _ = try CallStore(path: path, buckets: .default, logger: silentLogger)
        }
        var handle: OpaquePointer?
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK, let db = handle else {
            throw BenchFailure("cannot open \(path)")
        }
        defer { sqlite3_close_v2(db) }
        let insert = """
            INSERT INTO sources (id, path, device, inode, fingerprint, read_offset, state, first_seen, updated_at)
            VALUES (\(sourceID), 'bench.jsonl', 0, 0, x'', 0, 'active', 0, 0)
            """
        guard sqlite3_exec(db, insert, nil, nil, nil) == SQLITE_OK else {
            throw BenchFailure("cannot add the source row: \(String(cString: sqlite3_errmsg(db)))")
        }
    }

    /// The files of one SQLite database in WAL mode.
    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
    }

    static let silentLogger = Logger(label: "model-exporter-bench") { _ in SwiftLogNoOpLogHandler() }
}
