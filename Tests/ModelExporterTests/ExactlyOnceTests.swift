import Foundation
import Glibc
import MetricsCore
import Testing

/// Every accepted line is stored exactly once and every counter continues exactly, however
/// the exporter dies: kill -9 at random moments of a 200k-line backfill, with a gateway still
/// appending, restarting each time on the same database.
@Suite(.serialized)
struct ExactlyOnceTests {
    /// The offset just past the log's last newline: how far an exporter that has read every
    /// complete line has read. Lines are short, so the last 64 KiB holds a newline.
    static func completeLineBytes(of path: String) -> Int64 {
        guard let handle = FileHandle(forReadingAtPath: path) else { return -1 }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        let start = size > 65_536 ? size - 65_536 : 0
        try? handle.seek(toOffset: start)
        let tail = (try? handle.readToEnd()) ?? Data()
        guard let newline = tail.lastIndex(of: UInt8(ascii: "\n")) else { return Int64(start) }
        return Int64(start) + Int64(tail.distance(from: tail.startIndex, to: newline)) + 1
    }

    @Test func killNineDuringIngestLosesAndDuplicatesNothing() async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let log = dir.file("calls.jsonl")
        let database = dir.file("calls.sqlite")
        // The kill moments are random; the seed is printed so that a failure can be replayed.
        let seed = UInt64(Date().timeIntervalSince1970 * 1000)
        var random = SplitMix64(seed: seed)
        try await HTTPEndpointTests.generate(lines: 200_000, seed: seed % 1000 + 1, badRate: 0.01, into: log, in: dir)
        let serve = ["serve", "--calllog.path", log, "--storage.path", database, "--web.listen-address", "127.0.0.1:0"]

        let kills = 3 + Int(random.next() % 3)
        var figures: [String] = []
        var states: [(kill: Int, state: StoredCalls)] = []
        // A line the gateway had half written when the exporter died; finished after the next restart.
        let tornLine = #"{"ts":"2026-11-27T10:00:00Z","agent":"torn_agent","model":"m","success":true,"latency_ms":5,"input_tokens":1}"#
        for kill in 1...kills {
            let exporter = try ExporterProcess(serve, in: dir.path)
            // Odd rounds: a live writer appends 20k lines (written in 1 MiB pieces that split
            // lines) while the exporter ingests.
            let writer = kill % 2 == 1
                ? try ExporterProcess(["generate", "--lines", "20000", "--seed", "\(seed % 1000 + 100 + UInt64(kill))",
                                       "--bad-rate", "0.01", "--output", log], in: dir.path)
                : nil
            let moment: String
            if random.next() % 2 == 0 {
                // After a random delay from the start: may land before the first commit, in the
                // migration, or mid-batch. The sleep is the random moment itself, not a wait for an event.
                let delay = 100 + Int(random.next() % 1900)
                try await Task.sleep(for: .milliseconds(delay))
                moment = "\(delay) ms after start"
            } else {
                // Once the committed count passes a random threshold ahead of what is stored.
                try await exporter.waitForPort()
                let stored = states.last?.state.calls ?? 0
                let threshold = stored + 1 + Int(random.next() % 60_000)
                // Or read to the last complete line: the threshold may lie beyond the log, whose
                // end can be the torn half line (lag never 0 then; a 60 s timeout was the result).
                let health = try await exporter.waitForHealth(timeout: 60, "accepted_lines ≥ \(threshold)") {
                    $0.acceptedLines >= threshold
                        || ($0.catchUpComplete && $0.calllog.readOffset == Self.completeLineBytes(of: log))
                }
                moment = "when /health said accepted_lines=\(health.acceptedLines) (threshold \(threshold))"
            }
            let exit = try await exporter.kill9()
            #expect(exit == ExporterProcess.Exit(status: SIGKILL, bySignal: true), "exporter ended before the kill: \(exit)")
            if let writer {
                let written = try await writer.waitForExit(timeout: 60)
                #expect(written == .success, "generate: \(writer.stderr)")
            }
            let state = try StoredCalls(path: database)
            states.append((kill, state))
            figures.append("kill \(kill) \(moment): \(state.calls) calls and \(state.rejected) rejected lines committed, read_offset \(state.readOffsets)")
            // Between restarts: more lines. After the first kill the file ends in half a line,
            // which the second run must leave alone; the rest of it follows the second kill.
            if kill == 2 { try HTTPEndpointTests.append(String(tornLine.dropFirst(40)) + "\n", to: log) }
            try await HTTPEndpointTests.generate(lines: 2000, seed: seed % 1000 + 200 + UInt64(kill), badRate: 0.01, into: log, in: dir)
            if kill == 1 { try HTTPEndpointTests.append(String(tornLine.prefix(40)), to: log) }
        }

        // The last run finishes the log and stops cleanly. The truth is worked out while it
        // ingests: the log no longer changes, and the two then share the two cores.
        let exporter = try ExporterProcess(serve, in: dir.path)
        let truth = try GroundTruth(path: log)
        try await exporter.waitForPort()
        try await exporter.waitForHealth(timeout: 120, "all \(truth.acceptedLines) + \(truth.rejectedLines) lines") {
            $0.catchUpComplete && $0.calllog.readOffset == truth.completeBytes
                && $0.acceptedLines == truth.acceptedLines && $0.rejectedLines == truth.rejectedLines
        }
        let mismatches = truth.mismatches(in: try ExpositionSamples(try exporter.get("/metrics").text))
        #expect(mismatches.isEmpty, "\(mismatches.prefix(20).joined(separator: "\n"))")
        let exit = try await exporter.terminate()
        #expect(exit == .success, "SIGTERM: \(exit); stderr:\n\(exporter.stderr.suffix(2000))")

        let final = try StoredCalls(path: database)
        print("ExactlyOnceTests seed \(seed): \(truth.acceptedLines) accepted + \(truth.rejectedLines) rejected lines; "
              + figures.joined(separator: "; "))
        #expect(final.calls == truth.acceptedLines)
        #expect(final.rejected == truth.rejectedLines)
        #expect(final.duplicateCallOffsets == 0, "calls stored twice")
        #expect(final.duplicateRejectedOffsets == 0, "rejected lines stored twice")
        #expect(final.offsetsInBoth == 0, "lines stored both as a call and as rejected")
        #expect(final.callOffsets == truth.acceptedOffsets, "the stored calls are not exactly the accepted lines")
        #expect(final.rejectedByReason == truth.rejectedByReason)
        #expect(final.acceptedCounter == truth.acceptedLines)
        #expect(final.readOffsets == [truth.completeBytes])

        // What each kill left behind was a consistent prefix of the log: exactly the lines
        // before the committed read position, once each, and counters that agree with the rows.
        for (kill, state) in states {
            let readOffset = state.readOffsets.first ?? 0
            #expect(state.readOffsets.count <= 1, "kill \(kill): more than one source for one log")
            #expect(state.calls == truth.acceptedLines(before: readOffset), "kill \(kill): calls vs read_offset \(readOffset)")
            #expect(state.rejected == truth.rejectedLines(before: readOffset), "kill \(kill): rejected vs read_offset \(readOffset)")
            #expect(state.rowsAtOrPastReadOffset == 0, "kill \(kill): rows stored beyond the committed read position")
            #expect(state.duplicateCallOffsets == 0 && state.duplicateRejectedOffsets == 0, "kill \(kill): duplicates")
            #expect(state.acceptedCounter == state.calls, "kill \(kill): accepted_lines counter vs rows")
            #expect(state.rejectedCounter == state.rejected, "kill \(kill): rejected_lines counter vs rows")
        }
    }
}

/// What the exporter's database holds, read with MetricsCore's SQLite connection (the rows are
/// the product's output; reading them needs no product logic). Used by the kill -9 and
/// SIGTERM tests. An absent database reads as empty: a kill may land before it is created.
struct StoredCalls {
    var calls = 0
    var rejected = 0
    var rejectedByReason: [String: Int] = [:]
    /// (source_id, source_offset) pairs stored more than once.
    var duplicateCallOffsets = 0
    var duplicateRejectedOffsets = 0
    /// Offsets stored both as a call and as a rejected line.
    var offsetsInBoth = 0
    /// Rows at or past their source's committed read position.
    var rowsAtOrPastReadOffset = 0
    var readOffsets: [Int64] = []
    var callOffsets: [Int64] = []
    var acceptedCounter = 0
    var rejectedCounter = 0

    init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let db = try SQLiteConnection(path: path, mode: .readOnly)
        func integer(_ sql: String) throws -> Int {
            let statement = try db.prepare(sql)
            return try statement.step() ? Int(statement.int64(0)) : 0
        }
        // A kill can land before the first migration commits.
        guard try integer("SELECT count(*) FROM sqlite_master WHERE name = 'calls'") == 1 else { return }
        calls = try integer("SELECT count(*) FROM calls")
        rejected = try integer("SELECT count(*) FROM rejected_lines")
        duplicateCallOffsets = try integer(
            "SELECT count(*) FROM (SELECT 1 FROM calls GROUP BY source_id, source_offset HAVING count(*) > 1)")
        duplicateRejectedOffsets = try integer(
            "SELECT count(*) FROM (SELECT 1 FROM rejected_lines GROUP BY source_id, source_offset HAVING count(*) > 1)")
        offsetsInBoth = try integer(
            "SELECT count(*) FROM calls c JOIN rejected_lines r ON r.source_id = c.source_id AND r.source_offset = c.source_offset")
        rowsAtOrPastReadOffset = try integer("""
            SELECT (SELECT count(*) FROM calls c JOIN sources s ON s.id = c.source_id WHERE c.source_offset >= s.read_offset)
                 + (SELECT count(*) FROM rejected_lines r JOIN sources s ON s.id = r.source_id WHERE r.source_offset >= s.read_offset)
            """)
        acceptedCounter = try integer("SELECT coalesce(sum(value), 0) FROM exporter_counters WHERE name = 'accepted_lines'")
        rejectedCounter = try integer("SELECT coalesce(sum(value), 0) FROM exporter_counters WHERE name = 'rejected_lines'")
        let reasons = try db.prepare("SELECT reason, count(*) FROM rejected_lines GROUP BY reason")
        while try reasons.step() { rejectedByReason[reasons.string(0) ?? "", default: 0] = Int(reasons.int64(1)) }
        let sources = try db.prepare("SELECT read_offset FROM sources ORDER BY id")
        while try sources.step() { readOffsets.append(sources.int64(0)) }
        let offsets = try db.prepare("SELECT source_offset FROM calls ORDER BY source_id, source_offset")
        while try offsets.step() { callOffsets.append(offsets.int64(0)) }
    }
}
