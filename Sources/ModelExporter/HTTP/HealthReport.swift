import Foundation
import MetricsCore

/// The body of `/health`: is the exporter following the log and storing it, and how are the
/// agents it watches doing.
///
/// `status` is the exporter's own health and alone sets the HTTP status: `failing` (503) when
/// batches cannot be committed; `degraded` (200) when the log is missing or unreadable or the
/// first catch-up is still running; `ok` otherwise. `agents` maps each known agent to its
/// state over the last five minutes (``AgentHealth``), and `agents_status` is `degraded` when
/// any agent is ERROR or SLOW, else `healthy` (`unknown`, with `agents_error`, when the
/// database cannot be read). A sick model does not make the exporter unhealthy: a load
/// balancer or systemd acting on the 503 would restart a working exporter for nothing.
///
/// Keys are spelled out in `CodingKeys` rather than converted to snake case, because the
/// agent names under `agents` are data and must come out exactly as logged.
struct HealthReport: Encodable {
    struct CallLog: Encodable {
        var path: String
        var exists: Bool
        var readOffset: Int64
        var sizeBytes: Int64
        var lagBytes: Int64
        var drainingFiles: Int
        var error: String?

        enum CodingKeys: String, CodingKey {
            case path, exists, error
            case readOffset = "read_offset", sizeBytes = "size_bytes", lagBytes = "lag_bytes", drainingFiles = "draining_files"
        }
    }

    struct Database: Encodable {
        var path: String
        var writable: Bool
        var lastCommit: String?
        var lastCommitAgeSeconds: Double?
        var storeErrors: UInt64
        var error: String?

        enum CodingKeys: String, CodingKey {
            case path, writable, error
            case lastCommit = "last_commit", lastCommitAgeSeconds = "last_commit_age_seconds", storeErrors = "store_errors"
        }
    }

    /// One agent's state and figures: the body of `/health/{agent}`, and each value of `agents`.
    struct Agent: Encodable {
        var health: AgentHealth

        init(_ health: AgentHealth) {
            self.health = health
        }

        enum CodingKeys: String, CodingKey {
            case agent, state, reasons, requests, successRate = "success_rate", errorRate = "error_rate"
            case fallbackRate = "fallback_rate", p95Seconds = "p95_seconds", windowSeconds = "window_seconds"
            case windowStart = "window_start", windowEnd = "window_end"
        }

        func encode(to encoder: any Encoder) throws {
            // Every key always present (null when idle), so a client can rely on the shape.
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(health.agent, forKey: .agent)
            try container.encode(health.state.rawValue, forKey: .state)
            try container.encode(health.reasons, forKey: .reasons)
            try container.encode(health.requests, forKey: .requests)
            try container.encode(finite(health.successRate), forKey: .successRate)
            try container.encode(finite(health.errorRate), forKey: .errorRate)
            try container.encode(finite(health.fallbackRate), forKey: .fallbackRate)
            try container.encode(finite(health.p95Seconds), forKey: .p95Seconds)
            try container.encode(finite(health.windowSeconds), forKey: .windowSeconds)
            try container.encode(RFC3339Timestamp.format(health.windowStart), forKey: .windowStart)
            try container.encode(RFC3339Timestamp.format(health.windowEnd), forKey: .windowEnd)
        }

        private func finite(_ value: Double?) -> Double? {
            guard let value, value.isFinite else { return nil }
            return value
        }

        func json() -> Data {
            HealthReport.encode(self) ?? Data("{\"agent\":null}".utf8)
        }
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
    var agents: [String: Agent] = [:]
    var agentsStatus: String = "unknown"
    var agentsError: String?

    enum CodingKeys: String, CodingKey {
        case status, version, calllog, database, series, problems, agents
        case catchUpComplete = "catch_up_complete", acceptedLines = "accepted_lines", rejectedLines = "rejected_lines"
        case agentsStatus = "agents_status", agentsError = "agents_error"
    }

    /// - Parameter agentHealth: every known agent's state, or why it could not be read; nil
    ///   leaves `agents` empty and `agents_status` unknown.
    init(_ snapshot: MetricsSnapshot, agentHealth: Result<AgentHealthOverview, AgentHealthError>? = nil,
         now: Double = WallClock.now()) {
        var problems: [String] = []
        let writable = snapshot.lastStoreError == nil
        if let error = snapshot.lastStoreError { problems.append("cannot commit to the database: \(error)") }
        if !snapshot.calllog.fileExists { problems.append("the call log \(snapshot.calllog.path) does not exist; waiting for it") }
        if let error = snapshot.calllog.lastError { problems.append(error) }
        if !snapshot.catchUpComplete { problems.append("catching up with the call log; model series are exported once done") }
        // A replica that cannot ship degrades the exporter, never fails it: ingest and
        // /metrics go on, and the local database buffers the rows until it can.
        if let replica = snapshot.replica, !replica.up {
            problems.append("cannot ship to the replica PostgreSQL (\(replica.rowsBehind) rows behind): \(replica.lastError ?? "not connected yet")")
        }
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
        switch agentHealth {
        case .success(let overview):
            for health in overview.agents { agents[health.agent] = Agent(health) }
            agentsStatus = overview.status.rawValue
        case .failure(let error):
            agentsError = error.description
        case nil:
            break
        }
    }

    var httpStatusCode: Int { status == "failing" ? 503 : 200 }

    func json() -> Data {
        Self.encode(self) ?? Data("{\"status\":\"failing\"}".utf8)
    }

    fileprivate static func encode(_ value: some Encodable) -> Data? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try? encoder.encode(value)
    }
}
