import Foundation
import MetricsCore

/// Where `query` and `report` find the exporter's database, and how they open it read-only
/// (safe while `serve` runs).
enum DatabaseLocation {
    /// --storage.path, else the variable `serve` reads (set by the systemd unit), else its default.
    static func path(flag: String?, environment: [String: String]) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let value = environment[SettingCatalog.storagePath.environmentVariable], !value.isEmpty { return value }
        return SettingCatalog.storagePath.defaultValue ?? "model-exporter.sqlite"
    }

    /// The database at `path`, read-only. With `checkReadable`, a file this user may not read
    /// is reported as such before SQLite is asked; without it, SQLite's own message says so.
    static func openReadOnly(_ path: String, checkReadable: Bool) throws(DatabaseOpeningError) -> SQLiteConnection {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DatabaseOpeningError(path: path, reason: .missing)
        }
        guard !isDirectory.boolValue else { throw DatabaseOpeningError(path: path, reason: .directory) }
        if checkReadable, !FileManager.default.isReadableFile(atPath: path) {
            throw DatabaseOpeningError(path: path, reason: .unreadable)
        }
        do {
            let connection = try SQLiteConnection(path: path, mode: .readOnly)
            // A reader waits only while a checkpoint resets the WAL; a few seconds is plenty.
            connection.setBusyTimeout(milliseconds: 5000)
            return connection
        } catch {
            throw DatabaseOpeningError(path: path, reason: .sqlite(error.message))
        }
    }
}

/// The database could not be opened, with what to do about it.
struct DatabaseOpeningError: Error, CustomStringConvertible {
    enum Reason {
        case missing, directory, unreadable
        case sqlite(String)
    }

    var path: String
    var reason: Reason

    var description: String {
        switch reason {
        case .missing: "no database at \(path): give the exporter's --storage.path"
        case .directory: "\(path) is a directory: give the database file"
        case .unreadable: "cannot read \(path): permission denied (the systemd unit's database belongs to its dynamic user: run as root)"
        case .sqlite(let message): "cannot open \(path) read-only: \(message)"
        }
    }
}
