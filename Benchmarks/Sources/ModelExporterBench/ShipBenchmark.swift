#if canImport(Glibc)
import Glibc
#endif
import FleetReplica
import Logging
import MetricsCore

/// `ship`: the parsed log stored (untimed, as `store` does) into a database, then shipped by the real
/// ReplicaShipper into the PostgreSQL at `--replica-url`, until it is caught up: rows/s of
/// shipping, connection and migration included. Each run ships under a new instance name, so
/// repeated runs into one database each ship every row. The CPU figure is this process's only;
/// PostgreSQL's own work is on its side of the socket.
struct ShipBenchmark {
    var batch: Int

    func run(_ parsed: ParsedLog, databasePath: String, url: String) async throws -> Measurement {
        _ = try StoreBenchmark(batch: batch).run(parsed, databasePath: databasePath, keepDatabase: true)
        defer { DatabaseFiles.remove(databasePath) }
        let rows = try Self.count(databasePath, "SELECT (SELECT count(*) FROM calls) + (SELECT count(*) FROM rejected_lines)")
        var configuration = ReplicaConfiguration(target: try ReplicaTarget(url: url),
                                                 instance: "bench-\(getpid())-\(Int(WallClock.now()))", storagePath: databasePath)
        configuration.batchRows = batch
        configuration.idlePoll = .milliseconds(2)
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let shipper = ReplicaShipper(configuration: configuration, logger: logger)
        let wallStart = Measurement.monotonic()
        let cpuStart = Measurement.processCPU()
        let task = Task { await shipper.run() }
        while true {
            let metrics = shipper.metrics
            if metrics.up && metrics.rowsBehind == 0 && metrics.batches > 0 { break }
            if let error = metrics.lastError, metrics.errors["auth"] ?? 0 > 0 || metrics.errors["connect"] ?? 0 > 2 {
                task.cancel()
                throw BenchFailure("cannot ship: \(error)")
            }
            try await Task.sleep(for: .milliseconds(2)) // the poll's interval; it checks the condition
        }
        let measurement = Measurement(rows: rows, seconds: Measurement.monotonic() - wallStart,
                                      cpuSeconds: Measurement.processCPU() - cpuStart)
        task.cancel()
        await task.value
        return measurement
    }

    static func count(_ path: String, _ sql: String) throws -> Int {
        let connection = try SQLiteConnection(path: path, mode: .readOnly)
        let statement = try connection.prepare(sql)
        _ = try statement.step()
        return Int(statement.int64(0))
    }
}
