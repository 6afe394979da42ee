package import Logging

/// The ingest pipeline: tail → parse → store, one transaction per batch, then publish.
///
/// A `BatchReader` thread tails and parses up to one batch of lines while this side inserts
/// the previous batch's calls and quarantined lines, folds them into the totals and commits
/// rows, read positions and totals together. When a commit fails, everything since the last
/// commit is dropped in memory too: the reader is stopped, its queued batches discarded, and
/// both halves are rebuilt from the store, so the next attempt starts from exactly what is
/// stored.
///
/// Only committed state is ever shown: `snapshot()` is built from `committed`, a copy of the
/// aggregator taken right after each successful commit (and after each load from the store),
/// never from the aggregator that a half-stored batch has already advanced. A scrape during a
/// failing commit (a full disk) therefore shows what the database holds, and a crash at that
/// moment cannot make a counter go backwards.
///
/// `step()` and the rest run on one thread (the caller's); only the snapshot is shared.
package final class CallIngestor {
    package let configuration: IngestConfiguration
    private let store: CallStore
    private let logger: Logger
    private var reader: BatchReader?
    private var aggregator: CallAggregator
    /// The aggregator as of the last commit (or load): what snapshots are made of.
    private var committed: CallAggregator
    /// Bumped whenever what a snapshot shows changes: a commit, a store error, the log's
    /// status, the end of the first catch-up. The snapshot is rebuilt only then, so an idle
    /// exporter publishes nothing new and the rendered exposition stays cached.
    package private(set) var revision: UInt64 = 1
    private var cachedSnapshot: (revision: UInt64, snapshot: MetricsSnapshot)?
    private var lastStatus: CallLogStatus

    private var needsCommit = false
    private var needsReload = false
    package private(set) var catchUpComplete = false
    private var commits: UInt64 = 0
    private var storeErrors: UInt64 = 0
    private var lastStoreError: String?
    private var lastCommitTime: Double?
    private let startTime = WallClock.now()
    /// How long the reader waits for new lines when it is at the end of every file.
    private let idlePoll = 0.1

    private var progress = BackfillProgress()

    package init(configuration: IngestConfiguration, store: CallStore, logger: Logger) throws(StoreError) {
        self.configuration = configuration
        self.store = store
        self.logger = logger
        lastStatus = CallLogStatus(path: configuration.calllogPath)
        aggregator = try Self.loadAggregator(from: store, limits: configuration.limits)
        for key in configuration.knownSeries { aggregator.declare(key, at: WallClock.now()) }
        committed = aggregator
        needsCommit = !configuration.knownSeries.isEmpty
        reader = try makeReader()
    }

    deinit {
        reader?.stop()
    }

    private func makeReader() throws(StoreError) -> BatchReader {
        let files = CallLogSet(pattern: configuration.calllogPath, stored: try store.openSources(), finished: try store.finishedSources(),
                               maxLineBytes: configuration.maxLineBytes, rotationGrace: configuration.rotationGrace,
                               clock: configuration.tailClock, logger: logger)
        let reader = BatchReader(files: files, format: configuration.format, nextSourceID: try store.nextSourceID(),
                                 batchLines: configuration.batchLines,
                                 maxLineBytes: configuration.maxLineBytes, idlePoll: idlePoll,
                                 yieldsToScrapes: configuration.yieldsToScrapes, logger: logger)
        reader.start()
        return reader
    }

    package struct StepOutcome: Sendable {
        /// Lines read in this step.
        package var lines: Int
        /// Every open file was read to its end (by a poll that began after this step did,
        /// when `fresh` was asked for).
        package var caughtUp: Bool
        /// The commit failed; the step will be retried from the last commit.
        package var failed: Bool
    }

    /// Stores the next batch the reader made. With `fresh`, waits for a batch read after this
    /// call began, so "caught up" covers everything written before it (tests and one-shot
    /// ingest); without, takes whatever batch comes next, waiting at most `timeout` seconds.
    package func step(fresh: Bool = true, timeout: Double = 5) -> StepOutcome {
        var outcome = StepOutcome(lines: 0, caughtUp: false, failed: false)
        do {
            if needsReload { try reload() }
            guard let reader else { return outcome }
            let wanted = fresh ? reader.requestPoll() : 0
            var batch: ParsedBatch?
            let deadline = WallClock.monotonic() + timeout
            while let next = reader.next(timeout: max(0, deadline - WallClock.monotonic())) {
                try store(next)
                outcome.lines += next.lines
                batch = next
                if next.sequence >= wanted || next.lines > 0 { break }
            }
            guard let batch else { return outcome }
            if batch.status != lastStatus { revision &+= 1 }
            lastStatus = batch.status
            outcome.caughtUp = batch.caughtUp && batch.sequence >= wanted && batch.readError == nil
            if let error = batch.readError {
                logger.error("call log read failed; retrying", metadata: ["error": "\(error)"])
            }
        } catch {
            recover(from: error)
            outcome.failed = true
            outcome.caughtUp = false
        }
        if outcome.caughtUp && !catchUpComplete && !outcome.failed {
            catchUpComplete = true
            revision &+= 1
            logger.info("caught up with the call log; exporting model series",
                        metadata: ["lines": "\(aggregator.counters.acceptedLines + aggregator.counters.rejectedTotal)",
                                   "series": "\(aggregator.seriesCount)"])
        } else if !catchUpComplete {
            progress.report(lines: outcome.lines, status: lastStatus, logger: logger)
        }
        return outcome
    }

    /// Inserts one batch and commits it with its read positions and the totals.
    private func store(_ batch: ParsedBatch) throws {
        guard batch.changesStore || needsCommit else { return }
        for source in batch.newSources {
            try store.registerSource(id: source.id, path: source.path, identity: source.identity, fingerprint: source.fingerprint)
        }
        // One copy of each call, shared by the two uses: passing `batch.calls[i].record` to each
        // made a copy for each (a retain and a release of every string of the record), since
        // the compiler cannot prove the array's memory unchanged across the store's calls.
        for i in batch.calls.indices {
            let call = batch.calls[i]
            try store.insertCall(call.record, sourceID: call.source, offset: call.offset, index: Int64(call.index))
            aggregator.add(call.record)
        }
        for rejected in batch.rejections {
            try store.insertRejected(reason: rejected.rejection.reason, detail: rejected.rejection.detail,
                                     sourceID: rejected.source, offset: rejected.offset, length: rejected.length,
                                     excerpt: rejected.excerpt, index: Int64(rejected.index))
            aggregator.reject(rejected.rejection.reason)
        }
        if batch.bytes > 0 { aggregator.recordRead(bytes: Int(batch.bytes)) }
        for _ in 0..<batch.rotations { aggregator.recordRotation() }
        for _ in 0..<batch.truncations { aggregator.recordTruncation() }
        for _ in 0..<batch.lostFiles { aggregator.recordLostFile() }
        for position in batch.positions {
            try store.updateSource(id: position.id, readOffset: position.readOffset,
                                   fingerprint: position.fingerprint, state: position.state)
        }
        try store.commit(aggregator.takeChanges())
        committed = aggregator
        revision &+= 1
        needsCommit = false
        commits += 1
        lastCommitTime = WallClock.now()
        lastStoreError = nil
    }

    /// Drops everything since the last commit; state is rebuilt from the store before the
    /// next read, so nothing read after the last commit is counted or skipped.
    private func recover(from error: any Error) {
        store.rollback()
        storeErrors += 1
        lastStoreError = "\(error)"
        revision &+= 1
        needsReload = true
        reader?.stop()
        reader = nil
        logger.error("storing a batch failed; retrying from the last commit", metadata: ["error": "\(error)"])
    }

    /// The aggregator, restored from the store's totals: the one place the two meet.
    private static func loadAggregator(from store: CallStore, limits: LabelLimits) throws(StoreError) -> CallAggregator {
        let loaded = try store.loadTotals()
        var aggregator = CallAggregator(buckets: store.buckets, ttftBuckets: store.ttftBuckets, limits: limits)
        aggregator.restore(loaded.totals)
        // Histograms rebuilt with new bounds are saved with them at the next commit.
        if loaded.rebuiltHistograms { aggregator.markAllDirty() }
        return aggregator
    }

    private func reload() throws(StoreError) {
        aggregator = try Self.loadAggregator(from: store, limits: configuration.limits)
        for key in configuration.knownSeries { aggregator.declare(key, at: WallClock.now()) }
        committed = aggregator
        reader = try makeReader()
        needsCommit = true
        needsReload = false
    }

    /// Runs one chunk of retention between batches; returns the rows removed. A failure is
    /// logged and retried later: retention must never stop ingest.
    @discardableResult
    package func applyRetention(_ policy: RetentionPolicy, now: Double = WallClock.now()) -> Int {
        guard !store.hasOpenBatch else { return 0 }
        do {
            return try store.applyRetention(policy, now: now)
        } catch {
            logger.warning("retention failed; will retry", metadata: ["error": "\(error)"])
            return 0
        }
    }

    /// The state to publish, as of the last commit: series only once the first catch-up is
    /// done. The same value until `revision` changes.
    package func snapshot() -> MetricsSnapshot {
        if let cachedSnapshot, cachedSnapshot.revision == revision { return cachedSnapshot.snapshot }
        var snapshot = MetricsSnapshot()
        if catchUpComplete { snapshot.series = committed.series }
        snapshot.buckets = committed.buckets
        snapshot.ttftBuckets = committed.ttftBuckets
        snapshot.counters = committed.counters
        snapshot.calllog = lastStatus
        snapshot.catchUpComplete = catchUpComplete
        snapshot.seriesCount = committed.seriesCount
        snapshot.seriesLimit = configuration.limits.maxSeries
        snapshot.lastCommitTime = lastCommitTime
        snapshot.commits = commits
        snapshot.storeErrors = storeErrors
        snapshot.lastStoreError = lastStoreError
        snapshot.storagePath = store.path
        snapshot.version = configuration.version
        snapshot.startTime = startTime
        snapshot.knownErrorTypes = configuration.knownErrorTypes
        snapshot.costBudgets = configuration.costBudgets
        cachedSnapshot = (revision, snapshot)
        return snapshot
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
