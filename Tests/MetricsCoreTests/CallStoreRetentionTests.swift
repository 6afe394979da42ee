import Foundation
import Logging
import Testing
@testable import MetricsCore

/// Retention over many simulated days: raw calls are rolled up exactly, counters never go
/// back, and the file stops growing once retention deletes as much as arrives.
@Suite struct CallStoreRetentionTests {
    let logger = Logger(label: "test")
    static let day = 86400.0

    func append(_ path: String, _ generator: inout CallLogGenerator, until end: Double) -> Int {
        var text = ""
        var lines = 0
        while generator.nextTimestamp < end {
            text += generator.nextLine() + "\n"
            lines += 1
        }
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = FileHandle(forWritingAtPath: path)!
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
        try? handle.close()
        return lines
    }

    func value(_ db: SQLiteConnection, _ sql: String) throws -> Double {
        let s = try db.prepare(sql)
        _ = try s.step()
        return s.double(0)
    }

    @Test func manySimulatedDaysStayBoundedAndRollupsAreExact() throws {
        let dir = TemporaryDirectory()
        let log = dir.file("calls.jsonl")
        let dbPath = dir.file("calls.sqlite")
        let start = 1_760_000_000.0
        var generator = CallLogGenerator(seed: 11, startTimestamp: start, requestsPerSecond: 0.05)
        let store = try CallStore(path: dbPath, buckets: .default, logger: logger)
        var configuration = IngestConfiguration(calllogPath: log)
        configuration.retention = RetentionPolicy(raw: 5 * Self.day, rollups: 20 * Self.day, chunkRows: 500)
        let ingestor = try CallIngestor(configuration: configuration, store: store, logger: logger)
        let reader = try SQLiteConnection(path: dbPath)

        var written = 0
        var sizes: [Double] = []
        var lastRequests: UInt64 = 0
        for day in 1...40 {
            let now = start + Double(day) * Self.day
            written += append(log, &generator, until: now)
            while true {
                let outcome = ingestor.step()
                if outcome.caughtUp && outcome.lines == 0 { break }
            }
            while ingestor.applyRetention(configuration.retention, now: now) > 0 {}
            try reader.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            let pages = try value(reader, "PRAGMA page_count")
            let free = try value(reader, "PRAGMA freelist_count")
            sizes.append(pages)
            _ = free

            let requests = ingestor.snapshot().series.reduce(UInt64(0)) { $0 + $1.totals.requests }
            #expect(requests >= lastRequests, "exported request counter went backwards on day \(day)")
            lastRequests = requests

            // No raw call older than the retention, and raw + rolled-up = everything, until the
            // first rollups expire (the first hour bucket starts before the log).
            #expect(try value(reader, "SELECT count(*) FROM calls WHERE ts < \(now - 5 * Self.day)") == 0)
            if day < 20 {
                let raw = try value(reader, "SELECT count(*) FROM calls")
                let rolled = try value(reader, "SELECT ifnull(sum(requests), 0) FROM rollups_hourly")
                #expect(Int(raw + rolled) == Int(requests), "day \(day)")
                let viaView = try value(reader, "SELECT sum(requests) FROM hourly")
                #expect(Int(viaView) == Int(requests))
                let latency = try value(reader, "SELECT ifnull(sum(count), 0) FROM rollup_latency")
                #expect(latency == rolled)
            }
        }
        #expect(written > 150_000)
        // After the raw window and the rollup window are both full, the file stops growing.
        let steady = sizes[29]
        #expect(sizes[39] <= steady * 1.05, "pages: day 30 \(steady), day 40 \(sizes[39])")
        #expect(try value(reader, "SELECT count(*) FROM rollups_hourly WHERE hour < \(start + 40 * Self.day - 21 * Self.day)") == 0)
    }
}
