/// The store's SQLite settings, in one place: `CallStore` applies them, and the benchmark's
/// bare-insert ceiling applies the same ones, so the two differ only in the product's own work.
package enum StorePragmas {
    /// Page size of a database the store creates. 16 KiB rather than SQLite's 4 KiB: a batch
    /// of 10k calls is ~1.5 MB of rows, written to the WAL and later checkpointed page by page,
    /// so 4× larger pages are 4× fewer `pwrite`s and b-tree page splits. Measured (2026-12-04,
    /// 1M calls in 10k-row transactions, WAL): 0.87–0.91 CPU s against 1.08–1.25 at 4 KiB;
    /// 64 KiB pages cost more system time than they save. SQLite ignores it for an existing
    /// database, which keeps the page size it was created with.
    package static let newDatabasePageSize = 16384

    /// WAL size at which SQLite checkpoints, in bytes (`wal_autocheckpoint` counts pages).
    /// ~16 MiB rather than the default 4 MiB: pages rewritten by consecutive batches (index
    /// edges, totals) are copied to the database once instead of four times.
    package static let checkpointBytes = 16 * 1024 * 1024

    /// Set before anything else on a new connection.
    package static let beforeFirstWrite = [
        "PRAGMA page_size = \(newDatabasePageSize)",
        // WAL: readers and the single writer do not block each other.
        "PRAGMA journal_mode = WAL",
    ]

    /// The rest, for a database whose page size is `pageSize`.
    package static func connection(pageSize: Int) -> [String] {
        [
            // NORMAL in WAL mode: a commit survives a crash of this process (the WAL is in the
            // OS cache); only a power loss can lose the last commits, never corrupt the file.
            "PRAGMA synchronous = NORMAL",
            "PRAGMA temp_store = MEMORY",
            // ~16 MB of page cache whatever the page size (negative: KiB).
            "PRAGMA cache_size = -16000",
            "PRAGMA wal_autocheckpoint = \(max(1, checkpointBytes / max(512, pageSize)))",
        ]
    }
}
