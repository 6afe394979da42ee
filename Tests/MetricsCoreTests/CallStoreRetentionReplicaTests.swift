import Foundation
import Logging
import Testing
@testable import MetricsCore

/// Retention with a replica configured: the local database is the replica's buffer, so no row
/// goes before it is shipped, and the newest row always stays so rowids keep growing.
@Suite struct CallStoreRetentionReplicaTests {
    let logger = Logger(label: "test")

    func value(_ path: String, _ sql: String) throws -> Int64 {
        let connection = try SQLiteConnection(path: path, mode: .readOnly)
        let statement = try connection.prepare(sql)
        _ = try statement.step()
        return statement.int64(0)
    }

    @Test func keepsEveryRowNotYetShippedAndTheNewest() throws {
        let dir = TemporaryDirectory()
        let log = dir.file("calls.jsonl")
        let db = dir.file("calls.sqlite")
        let start = 1_760_000_000.0
        var generator = CallLogGenerator(seed: 4, startTimestamp: start, requestsPerSecond: 1, badRate: 0.05)
        let text = (0..<2_000).map { _ in generator.nextLine() + "\n" }.joined()
        FileManager.default.createFile(atPath: log, contents: Data(text.utf8))
        let store = try CallStore(path: db, buckets: .default, logger: logger)
        let marks = ShippedMarks()
        var configuration = IngestConfiguration(calllogPath: log)
        configuration.retention = RetentionPolicy(raw: 86400, chunkRows: 500, shipped: marks)
        let ingestor = try CallIngestor(configuration: configuration, store: store, logger: logger)
        while true {
            let outcome = ingestor.step()
            if outcome.caughtUp && outcome.lines == 0 { break }
        }
        let calls = try value(db, "SELECT count(*) FROM calls")
        let rejected = try value(db, "SELECT count(*) FROM rejected_lines")
        let newest = try value(db, "SELECT max(id) FROM calls")
        // Every row is past retention: calls by their ts (2025), quarantined lines by ingested_at (now).
        let now = WallClock.now() + 100 * 86400
        // Nothing shipped: nothing deleted.
        while ingestor.applyRetention(configuration.retention, now: now) > 0 {}
        #expect(try value(db, "SELECT count(*) FROM calls") == calls)
        #expect(try value(db, "SELECT count(*) FROM rejected_lines") == rejected)
        // Shipped through id 700: exactly those go.
        marks.shipped(calls: 700, rejectedLines: 10)
        while ingestor.applyRetention(configuration.retention, now: now) > 0 {}
        #expect(try value(db, "SELECT min(id) FROM calls") == 701)
        #expect(try value(db, "SELECT count(*) FROM rejected_lines WHERE id <= 10") == 0)
        #expect(try value(db, "SELECT count(*) FROM rejected_lines WHERE id > 10") > 0)
        #expect(try value(db, "SELECT shipped_through FROM replica_shipped WHERE stream = 'calls'") == 700)
        // Everything shipped: all go but the newest row, whose rowid must not be handed out again.
        marks.shipped(calls: newest, rejectedLines: Int64.max / 2)
        while ingestor.applyRetention(configuration.retention, now: now) > 0 {}
        #expect(try value(db, "SELECT count(*) FROM calls") == 1)
        #expect(try value(db, "SELECT max(id) FROM calls") == newest)
        #expect(try value(db, "SELECT count(*) FROM rejected_lines") == 1)
    }

    @Test func aStoredMarkLetsRetentionGoOnAfterARestart() throws {
        let dir = TemporaryDirectory()
        let log = dir.file("calls.jsonl")
        let db = dir.file("calls.sqlite")
        let start = 1_760_000_000.0
        var generator = CallLogGenerator(seed: 5, startTimestamp: start, requestsPerSecond: 1)
        let text = (0..<1_000).map { _ in generator.nextLine() + "\n" }.joined()
        FileManager.default.createFile(atPath: log, contents: Data(text.utf8))
        do {
            let store = try CallStore(path: db, buckets: .default, logger: logger)
            let marks = ShippedMarks()
            var configuration = IngestConfiguration(calllogPath: log)
            configuration.retention = RetentionPolicy(raw: 86400, chunkRows: 100, shipped: marks)
            let ingestor = try CallIngestor(configuration: configuration, store: store, logger: logger)
            while true {
                let outcome = ingestor.step()
                if outcome.caughtUp && outcome.lines == 0 { break }
            }
            marks.shipped(calls: 300)
            // One chunk stores the mark (and deletes 100).
            _ = ingestor.applyRetention(configuration.retention, now: start + 100 * 86400)
        }
        // A new process: its shipper has not reached PostgreSQL yet (marks at 0).
        let store = try CallStore(path: db, buckets: .default, logger: logger)
        var configuration = IngestConfiguration(calllogPath: log)
        configuration.retention = RetentionPolicy(raw: 86400, chunkRows: 100, shipped: ShippedMarks())
        let ingestor = try CallIngestor(configuration: configuration, store: store, logger: logger)
        while ingestor.applyRetention(configuration.retention, now: start + 100 * 86400) > 0 {}
        #expect(try value(db, "SELECT min(id) FROM calls") == 301)
    }
}
