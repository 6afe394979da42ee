public import Logging

/// The ingest pipeline: tail → parse → store, one transaction per batch, then publish.
///
/// `step()` reads up to one batch of lines, stores calls and quarantined lines, folds them
/// into the totals and commits rows, read positions and totals together. When a commit
/// fails, everything since the last commit is dropped in memory too (the aggregator and the
/// tailer are rebuilt from the store), so the next attempt starts from exactly what is stored.
///
/// Runs on one thread; only the snapshot it returns is shared.
public final class CallIngestor: CallLogSink {
    public let configuration: IngestConfiguration
    private let store: CallStore
    private let logger: Logger
    private var tailer: CallLogSet
    private var aggregator: CallAggregator
    private var parser = CallLogParser()

    private var needsCommit = false
    private var batchError: (any Error)?
    public private(set) var catchUpComplete = false
    private var commits: UInt64 = 0
    private var storeErrors: UInt64 = 0
    private var lastStoreError: String?
    private var lastCommitTime: Double?
    private let startTime = WallClock.now()

    private var progress = BackfillProgress()

    public init(configuration: IngestConfiguration, store: CallStore, logger: Logger) throws(StoreError) {
        self.configuration = configuration
        self.store = store
        self.logger = logger
        aggregator = try store.loadAggregator(limits: configuration.limits)
        tailer = CallLogSet(pattern: configuration.calllogPath, stored: try store.openSources(), finished: try store.finishedSources(),
                            maxLineBytes: configuration.maxLineBytes, rotationGrace: configuration.rotationGrace, logger: logger)
        for key in configuration.knownSeries { aggregator.declare(key, at: WallClock.now()) }
        needsCommit = !configuration.knownSeries.isEmpty
    }

    public struct StepOutcome: Sendable {
        /// Lines read in this step.
        public var lines: Int
        /// Every open file was read to its end.
        public var caughtUp: Bool
        /// The commit failed; the step will be retried from the last commit.
        public var failed: Bool
    }

    /// Reads up to one batch and commits it.
    public func step() -> StepOutcome {
        var outcome = StepOutcome(lines: 0, caughtUp: false, failed: false)
        do {
            if needsReload { try reload() }
            let polled = try tailer.poll(into: self, lineBudget: configuration.batchLines)
            outcome.lines = polled.lines
            outcome.caughtUp = polled.caughtUp
            if let batchError { throw batchError }
            if polled.bytes > 0 {
                aggregator.recordRead(bytes: Int(polled.bytes))
                needsCommit = true
            }
            if needsCommit {
                for position in tailer.positions() {
                    try store.updateSource(id: position.id, readOffset: position.readOffset,
                                           fingerprint: position.fingerprint, state: position.state)
                }
                try store.commit(&aggregator)
                tailer.didCommit()
                needsCommit = false
                commits += 1
                lastCommitTime = WallClock.now()
                lastStoreError = nil
            }
        } catch let error as TailError {
            // The file could not be read; what was read before the error is committed on the next step.
            logger.error("call log read failed; retrying", metadata: ["error": "\(error)"])
            outcome.failed = true
        } catch {
            recover(from: error)
            outcome.failed = true
            outcome.caughtUp = false
        }
        if outcome.caughtUp && !catchUpComplete && !outcome.failed {
            catchUpComplete = true
            logger.info("caught up with the call log; exporting model series",
                        metadata: ["lines": "\(aggregator.counters.acceptedLines + aggregator.counters.rejectedTotal)",
                                   "series": "\(aggregator.seriesCount)"])
        } else if !catchUpComplete {
            progress.report(lines: outcome.lines, status: tailer.status, logger: logger)
        }
        return outcome
    }

    /// Drops everything since the last commit; state is rebuilt from the store before the
    /// next read, so nothing read after the last commit is counted or skipped.
    private func recover(from error: any Error) {
        store.rollback()
        storeErrors += 1
        lastStoreError = "\(error)"
        batchError = nil
        needsReload = true
        logger.error("storing a batch failed; retrying from the last commit", metadata: ["error": "\(error)"])
    }

    private var needsReload = false

    private func reload() throws(StoreError) {
        aggregator = try store.loadAggregator(limits: configuration.limits)
        tailer = CallLogSet(pattern: configuration.calllogPath, stored: try store.openSources(), finished: try store.finishedSources(),
                            maxLineBytes: configuration.maxLineBytes, rotationGrace: configuration.rotationGrace, logger: logger)
        for key in configuration.knownSeries { aggregator.declare(key, at: WallClock.now()) }
        parser = CallLogParser()
        needsCommit = true
        needsReload = false
    }

    /// Runs one chunk of retention between batches; returns the rows removed. A failure is
    /// logged and retried later: retention must never stop ingest.
    @discardableResult
    public func applyRetention(_ policy: RetentionPolicy, now: Double = WallClock.now()) -> Int {
        guard !store.hasOpenBatch else { return 0 }
        do {
            return try store.applyRetention(policy, now: now)
        } catch {
            logger.warning("retention failed; will retry", metadata: ["error": "\(error)"])
            return 0
        }
    }

    /// The state to publish: series only once the first catch-up is done.
    public func snapshot() -> MetricsSnapshot {
        var snapshot = MetricsSnapshot()
        if catchUpComplete { snapshot.series = aggregator.series }
        snapshot.buckets = aggregator.buckets
        snapshot.counters = aggregator.counters
        snapshot.calllog = tailer.status
        snapshot.catchUpComplete = catchUpComplete
        snapshot.seriesCount = aggregator.seriesCount
        snapshot.seriesLimit = configuration.limits.maxSeries
        snapshot.lastCommitTime = lastCommitTime
        snapshot.commits = commits
        snapshot.storeErrors = storeErrors
        snapshot.lastStoreError = lastStoreError
        snapshot.storagePath = store.path
        snapshot.version = configuration.version
        snapshot.startTime = startTime
        snapshot.heartbeat = WallClock.monotonic()
        return snapshot
    }

    // MARK: CallLogSink

    public func line(_ bytes: UnsafeRawBufferPointer, source: Int64, offset: Int64) {
        guard batchError == nil else { return }
        do {
            switch parser.parse(bytes) {
            case .success(let call):
                try store.insertCall(call, sourceID: source, offset: offset)
                aggregator.add(call)
            case .failure(let rejection):
                try store.insertRejected(reason: rejection.reason, detail: rejection.detail, sourceID: source,
                                         offset: offset, length: Int64(bytes.count), excerpt: bytes)
                aggregator.reject(rejection.reason)
            }
        } catch {
            batchError = error
        }
    }

    public func oversizedLine(source: Int64, offset: Int64, length: Int64, excerpt: UnsafeRawBufferPointer) {
        guard batchError == nil else { return }
        do {
            try store.insertRejected(reason: .tooLong, detail: "line of \(length) bytes is longer than the limit of \(configuration.maxLineBytes) bytes",
                                     sourceID: source, offset: offset, length: length, excerpt: excerpt)
            aggregator.reject(.tooLong)
        } catch {
            batchError = error
        }
    }

    public func registerSource(path: String, identity: FileIdentity, fingerprint: [UInt8]) throws -> Int64 {
        needsCommit = true
        return try store.registerSource(path: path, identity: identity, fingerprint: fingerprint, state: .active)
    }

    public func fileRotated(source: Int64) {
        aggregator.recordRotation()
        needsCommit = true
    }

    public func fileTruncated(source: Int64) {
        aggregator.recordTruncation()
        needsCommit = true
    }

    public func fileLost(source: Int64) {
        aggregator.recordLostFile()
        needsCommit = true
    }
}

/// Logs backfill progress (lines, percent, lines/s) every few seconds during the first catch-up.
struct BackfillProgress {
    private var lines = 0
    private var started = WallClock.monotonic()
    private var lastReport = WallClock.monotonic()

    mutating func report(lines new: Int, status: CallLogStatus, logger: Logger) {
        lines += new
        let now = WallClock.monotonic()
        guard now - lastReport >= 2 else { return }
        lastReport = now
        let percent = status.fileSize > 0 ? Double(status.readOffset) / Double(status.fileSize) * 100 : 100
        let rate = Double(lines) / max(now - started, 0.001)
        logger.info("catching up with the call log", metadata: [
            "lines": "\(lines)", "percent": "\(Int(percent))", "lines_per_second": "\(Int(rate))",
        ])
    }
}
