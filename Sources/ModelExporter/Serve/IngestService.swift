import Foundation
import Logging
import MetricsCore
import ServiceLifecycle
import Synchronization

/// Runs the ingest pipeline on a thread of its own and publishes its snapshots.
///
/// The pipeline does blocking file and SQLite I/O, which must not occupy the few threads of
/// Swift's cooperative pool that also serve HTTP (2 cores here). On graceful shutdown
/// (SIGTERM/SIGINT) the thread finishes its current batch, commits it, and the service returns.
final class IngestService: Service, Sendable {
    private let settings: IngestConfiguration
    private let storagePath: String
    private let board: MetricsBoard
    private let logger: Logger
    private let onCaughtUp: @Sendable () -> Void
    private let stopRequested = Mutex(false)
    private let wakeup = DispatchSemaphore(value: 0)
    /// How long to wait for new lines when the log is read to its end.
    static let idlePoll = 0.1

    init(configuration: IngestConfiguration, storagePath: String, board: MetricsBoard, logger: Logger,
         onCaughtUp: @escaping @Sendable () -> Void = {}) {
        self.settings = configuration
        self.storagePath = storagePath
        self.board = board
        self.logger = logger
        self.onCaughtUp = onCaughtUp
    }

    func run() async throws {
        // Graceful shutdown (SIGTERM) and cancellation (another service failed, e.g. the port
        // is taken) both stop the thread; otherwise the group would wait on it forever.
        try await withTaskCancellationHandler {
            try await runThread()
        } onCancel: {
            self.stop()
        }
    }

    private func runThread() async throws {
        try await withGracefulShutdownHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let thread = Thread { [self] in
                    IngestThread.adopt(name: "ingest", yielding: self.settings.yieldsToScrapes)
                    do {
                        try self.loop()
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
                thread.name = "ingest"
                thread.start()
            }
        } onGracefulShutdown: {
            self.stop()
        }
    }

    func stop() {
        stopRequested.withLock { $0 = true }
        wakeup.signal()
    }

    private var shouldStop: Bool { stopRequested.withLock { $0 } }

    private func loop() throws {
        let store = try CallStore(path: storagePath, buckets: settings.buckets, ttftBuckets: settings.ttftBuckets, logger: logger)
        let ingestor = try CallIngestor(configuration: settings, store: store, logger: logger)
        board.publish(ingestor.snapshot())
        var published = ingestor.revision
        board.beat()
        var announced = false
        var failures = 0
        var steps = 0
        var lastRetention = 0.0
        var retentionPending = false
        while !shouldStop {
            let outcome = ingestor.step()
            steps += 1
            // Retention between batches, one small chunk at a time so ingest runs in between:
            // each second when idle, right away again while a chunk found work, and every 20
            // batches of a backlog so the database stays bounded during a long catch-up.
            let now = WallClock.monotonic()
            var removed = 0
            if !outcome.failed && (retentionPending || (outcome.caughtUp && now - lastRetention >= 1) || steps % 20 == 0) {
                lastRetention = now
                removed = ingestor.applyRetention(settings.retention)
                retentionPending = removed > 0
            }
            // One new snapshot per change of what it shows (a commit, an error, the log's
            // status), not per turn: an idle exporter keeps serving its cached exposition.
            if ingestor.revision != published {
                published = ingestor.revision
                board.publish(ingestor.snapshot())
            }
            board.beat()
            if ingestor.catchUpComplete && !announced {
                announced = true
                onCaughtUp()
            }
            if outcome.failed {
                // Back off on a failing disk or a locked database, up to 5 s; never spin a core.
                failures += 1
                _ = wakeup.wait(timeout: .now() + min(5, 0.1 * Double(1 << min(failures, 6))))
            } else if outcome.caughtUp && removed == 0 {
                failures = 0
                _ = wakeup.wait(timeout: .now() + Self.idlePoll)
            } else {
                failures = 0
            }
        }
        logger.info("ingest stopped; last batch committed")
    }
}
