import FleetReplica
import Foundation
import Logging
import MetricsCore
import TestPolling

/// An exporter's local side for the replica tests: a temporary directory, a generated call
/// log (with malformed lines, so both streams have rows) and its SQLite database, ingested
/// in-process by the real pipeline.
final class FleetFixture: @unchecked Sendable {
    let directory: String
    let logPath: String
    let databasePath: String
    let logger = Logger(label: "replica-test")
    private var generator: CallLogGenerator

    init(seed: UInt64, start: Double = 1_764_000_000, badRate: Double = 0.02) {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("replica-fixture-\(UUID().uuidString.prefix(8))").path
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        logPath = directory + "/calls.jsonl"
        databasePath = directory + "/calls.sqlite"
        generator = CallLogGenerator(seed: seed, startTimestamp: start, requestsPerSecond: 20, badRate: badRate)
        FileManager.default.createFile(atPath: logPath, contents: nil)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Appends `lines` generated lines to the log.
    func append(lines: Int) {
        let text = (0..<lines).map { _ in generator.nextLine() + "\n" }.joined()
        let handle = FileHandle(forWritingAtPath: logPath)!
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
        try? handle.close()
    }

    /// Ingests the log to its end into the database.
    func ingest() throws {
        let store = try CallStore(path: databasePath, buckets: .default, logger: logger)
        let ingestor = try CallIngestor(configuration: IngestConfiguration(calllogPath: logPath), store: store, logger: logger)
        for _ in 0..<100_000 {
            let outcome = ingestor.step()
            if outcome.caughtUp && outcome.lines == 0 { return }
        }
        throw LocalPostgresError("the ingestor did not catch up")
    }

    /// One number from the local database.
    func number(_ sql: String) throws -> Double {
        let connection = try SQLiteConnection(path: databasePath, mode: .readOnly)
        let statement = try connection.prepare(sql)
        _ = try statement.step()
        return statement.double(0)
    }

    func configuration(_ server: LocalPostgresServer, instance: String) throws -> ReplicaConfiguration {
        var configuration = ReplicaConfiguration(target: try ReplicaTarget(url: server.url), instance: instance, storagePath: databasePath)
        configuration.backoffMinimum = .milliseconds(50)
        configuration.backoffMaximum = .milliseconds(500)
        configuration.idlePoll = .milliseconds(20)
        return configuration
    }
}

/// Runs a shipper in a task until `condition` holds of its metrics (polled, with a deadline),
/// then cancels it and waits for it to end.
func ship(_ shipper: ReplicaShipper, timeout: Double = 120,
          until condition: @escaping @Sendable (ReplicaMetrics) -> Bool) async throws {
    let task = Task { await shipper.run() }
    defer { task.cancel() }
    do {
        try await eventually(within: timeout, every: .milliseconds(20), what: "the shipper's condition") {
            condition(shipper.metrics) ? true : nil
        }
    } catch is PollTimeout {
        task.cancel()
        await task.value
        throw LocalPostgresError("the shipper did not reach its condition within \(timeout) s: \(shipper.metrics)")
    }
    task.cancel()
    await task.value
}

/// Caught up: every local row is in PostgreSQL.
@Sendable func caughtUp(_ metrics: ReplicaMetrics) -> Bool {
    metrics.up && metrics.rowsBehind == 0 && metrics.batches > 0
}

func errors(_ shipper: ReplicaShipper) -> Int64 {
    shipper.metrics.errors.values.reduce(0, +)
}

/// Polls `condition` until it holds or `timeout` passes.
func poll(_ what: String, timeout: Double = 120, _ condition: () throws -> Bool) async throws {
    do {
        try await eventually(within: timeout, every: .milliseconds(20), what: what) { try condition() ? true : nil }
    } catch is PollTimeout {
        throw LocalPostgresError("timed out waiting for: \(what)")
    }
}
