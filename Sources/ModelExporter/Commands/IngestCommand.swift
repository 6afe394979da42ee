import ArgumentParser
import Foundation
import Logging
import MetricsCore

/// One-shot ingest: read the call log to its end into the database, commit, and exit. For
/// backfilling an old log, and for the benchmarks (the same pipeline `serve` runs).
struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Read the call log to its end into the database once, then exit (backfill; benchmarks).")

    @OptionGroup var options: ServeOptions

    /// Settings are checked here, not in `run()`, so a problem is reported with this
    /// command's usage line rather than the top-level one.
    func validate() throws {
        _ = try options.resolve(environment: ProcessInfo.processInfo.environment)
    }

    @Flag(help: "Print a JSON summary (lines, seconds, lines/s, CPU seconds, peak RSS) on stdout.")
    var json = false

    func run() throws {
        let settings = try options.resolve(environment: ProcessInfo.processInfo.environment)
        let logger = ExporterLogging.bootstrap(level: settings.logLevel)
        let started = WallClock.monotonic()
        // One owner per database: beside a running serve, this exits before touching it.
        let lock = try DatabaseLock(databasePath: settings.storagePath)
        defer { withExtendedLifetime(lock) {} }
        let store: CallStore
        let ingestor: CallIngestor
        do {
            store = try CallStore(path: settings.storagePath, buckets: settings.buckets, ttftBuckets: settings.ttftBuckets,
                                  logger: logger)
            ingestor = try CallIngestor(configuration: settings.ingestConfiguration, store: store, logger: logger)
        } catch {
            throw ValidationError("\(error)")
        }
        var lines = 0
        var failures = 0
        while true {
            let outcome = ingestor.step()
            lines += outcome.lines
            if outcome.failed {
                failures += 1
                guard failures < 5 else { throw ValidationError("ingest keeps failing; see the log above") }
                continue
            }
            if outcome.caughtUp && outcome.lines == 0 { break }
        }
        let seconds = WallClock.monotonic() - started
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        let peakRSS = usage.ru_maxrss * 1024
        let snapshot = ingestor.snapshot()
        let rate = Double(lines) / max(seconds, 1e-9)
        if json {
            print("""
                {"lines": \(lines), "accepted": \(snapshot.counters.acceptedLines), "rejected": \(snapshot.counters.rejectedTotal), \
                "seconds": \(seconds), "lines_per_second": \(rate), "cpu_seconds": \(cpu), "peak_rss_bytes": \(peakRSS)}
                """)
        } else {
            print("ingested \(lines) lines in \(String(format: "%.2f", seconds)) s (\(Int(rate)) lines/s, \(String(format: "%.2f", cpu)) CPU s, peak RSS \(peakRSS / 1_048_576) MiB)")
        }
    }
}
