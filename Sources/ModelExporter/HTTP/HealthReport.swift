import Foundation
import MetricsCore

/// The body of `/health`: is the exporter following the log and storing it.
///
/// `failing` (HTTP 503) when batches cannot be committed; `degraded` (200) when the log is
/// missing or unreadable or the first catch-up is still running; `ok` otherwise.
struct HealthReport: Encodable {
    struct CallLog: Encodable {
        var path: String
        var exists: Bool
        var readOffset: Int64
        var sizeBytes: Int64
        var lagBytes: Int64
        var drainingFiles: Int
        var error: String?
    }

    struct Database: Encodable {
        var path: String
        var writable: Bool
        var lastCommit: String?
        var lastCommitAgeSeconds: Double?
        var storeErrors: UInt64
        var error: String?
    }

    var status: String
    var version: String
    var catchUpComplete: Bool
    var calllog: CallLog
    var database: Database
    var acceptedLines: UInt64
    var rejectedLines: UInt64
    var series: Int
    var problems: [String]

    init(_ snapshot: MetricsSnapshot, now: Double = WallClock.now()) {
        var problems: [String] = []
        let writable = snapshot.lastStoreError == nil
        if let error = snapshot.lastStoreError { problems.append("cannot commit to the database: \(error)") }
        if !snapshot.calllog.fileExists { problems.append("the call log \(snapshot.calllog.path) does not exist; waiting for it") }
        if let error = snapshot.calllog.lastError { problems.append(error) }
        if !snapshot.catchUpComplete { problems.append("catching up with the call log; model series are exported once done") }
        status = !writable ? "failing" : problems.isEmpty ? "ok" : "degraded"
        version = snapshot.version
        catchUpComplete = snapshot.catchUpComplete
        calllog = CallLog(path: snapshot.calllog.path, exists: snapshot.calllog.fileExists, readOffset: snapshot.calllog.readOffset,
                          sizeBytes: snapshot.calllog.fileSize, lagBytes: snapshot.calllog.lagBytes,
                          drainingFiles: snapshot.calllog.drainingFiles, error: snapshot.calllog.lastError)
        database = Database(path: snapshot.storagePath, writable: writable,
                            lastCommit: snapshot.lastCommitTime.map { RFC3339Timestamp.format($0) },
                            lastCommitAgeSeconds: snapshot.lastCommitTime.map { max(0, now - $0) },
                            storeErrors: snapshot.storeErrors, error: snapshot.lastStoreError)
        acceptedLines = snapshot.counters.acceptedLines
        rejectedLines = snapshot.counters.rejectedTotal
        series = snapshot.seriesCount
        self.problems = problems
    }

    var httpStatusCode: Int { status == "failing" ? 503 : 200 }

    func json() -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(self)) ?? Data("{\"status\":\"failing\"}".utf8)
    }
}
