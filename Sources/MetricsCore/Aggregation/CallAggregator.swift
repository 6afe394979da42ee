/// Folds accepted calls and rejected lines into running totals, remembering which series
/// changed since the last commit so the store writes only those.
///
/// Owned by the ingest thread; scrapes never touch it — they read the `MetricsSnapshot`
/// published after each commit.
package struct CallAggregator: Sendable {
    struct Entry: Sendable {
        var key: SeriesKey
        var totals: SeriesTotals
        var dirty: Bool
        /// Not stored: after a restart, buckets get exemplars again with the next requests.
        var exemplars: [Exemplar?] = []
    }

    package let buckets: LatencyBuckets
    /// Bounds of model_time_to_first_token_seconds (`--metrics.ttft-buckets`).
    package let ttftBuckets: LatencyBuckets
    package let limits: LabelLimits
    private(set) var entries: [Entry] = []
    private var index: [SeriesKey: Int] = [:]
    /// Answers `index` gave for a key it held (never a fold to overflow, which is counted
    /// each time), looked up without SipHash (see RecentLabels).
    private var recentIndex = RecentLabels<SeriesKey, Int>(placeholder: SeriesKey(agent: "", model: "", variant: ""))
    private var errorTypes: Set<String> = []
    private var fallbackModels: Set<String> = []
    package private(set) var counters = ExporterCounters()
    private(set) var countersDirty = false

    package init(buckets: LatencyBuckets, ttftBuckets: LatencyBuckets = .timeToFirstToken, limits: LabelLimits) {
        self.buckets = buckets
        self.ttftBuckets = ttftBuckets
        self.limits = limits
    }

    /// Restores the totals loaded from the store; entries restored this way are clean.
    package mutating func restore(_ stored: RunningTotals) {
        entries = []
        index = [:]
        recentIndex.removeAll()
        errorTypes = []
        fallbackModels = []
        for item in stored.series {
            index[item.key] = entries.count
            entries.append(Entry(key: item.key, totals: item.totals, dirty: false))
            errorTypes.formUnion(item.totals.errorsByType.keys)
            fallbackModels.formUnion(item.totals.fallbacksByModel.keys)
        }
        counters = stored.counters
        countersDirty = false
    }

    package var seriesCount: Int { entries.count }

    /// Creates a zero series (both outcomes at 0) so `rate()` works before its first request.
    /// Its last-request time starts at `time`: an agent expected to have traffic that never
    /// sends any trips ModelUnavailable like one that stopped.
    package mutating func declare(_ key: SeriesKey, at time: Double) {
        guard index[key] == nil else { return }
        let i = entryIndex(for: key, countFold: false)
        entries[i].totals.lastTimestamp = time
    }

    package mutating func add(_ call: CallRecord) {
        // The call's labels are compared with the remembered key in place: a SeriesKey is made
        // (three string copies) only when the cache has no answer.
        let hash = Self.hash(agent: call.agent, model: call.model, variant: call.variant)
        let i: Int
        if let known = recentIndex.value(hash: hash, matching: {
            $0.agent == call.agent && $0.model == call.model && $0.variant == call.variant
        }) {
            i = known
        } else {
            let key = SeriesKey(agent: call.agent, model: call.model, variant: call.variant)
            i = entryIndex(for: key, countFold: true)
            if entries[i].key == key { recentIndex.remember(i, for: key, hash: hash) }
        }
        var errorType: String?
        if let error = call.error { errorType = boundedErrorType(error) }
        var fallbackModel: String?
        if call.fallback { fallbackModel = boundedFallbackModel(call.fallbackModel ?? "") }
        let bucket = buckets.index(for: call.latencyMs / 1000)
        entries[i].dirty = true
        entries[i].totals.add(call, errorType: errorType, fallbackModel: fallbackModel, bucket: bucket, ttftBuckets: ttftBuckets)
        if let requestID = call.requestID, requestID.utf8.count <= Exemplar.maxRequestIDBytes {
            if entries[i].exemplars.isEmpty { entries[i].exemplars = Array(repeating: nil, count: buckets.bounds.count + 1) }
            entries[i].exemplars[bucket] = Exemplar(requestID: requestID, value: call.latencyMs / 1000, timestamp: call.timestamp)
        }
        counters.acceptedLines &+= 1
        countersDirty = true
    }

    package mutating func reject(_ reason: RejectReason) {
        counters.rejectedLines[reason, default: 0] &+= 1
        countersDirty = true
    }

    mutating func recordRead(bytes: Int) {
        counters.readBytes &+= UInt64(bytes)
        countersDirty = true
    }

    mutating func recordRotation() {
        counters.rotations &+= 1
        countersDirty = true
    }

    mutating func recordTruncation() {
        counters.truncations &+= 1
        countersDirty = true
    }

    mutating func recordLostFile() {
        counters.lostFiles &+= 1
        countersDirty = true
    }

    /// What changed since the last call, for the store to save in the batch's transaction;
    /// marks everything clean. When that transaction fails, the caller restores from the store.
    package mutating func takeChanges() -> TotalsChanges {
        var changes = TotalsChanges()
        for i in entries.indices where entries[i].dirty {
            entries[i].dirty = false
            changes.series.append((entries[i].key, entries[i].totals))
        }
        if countersDirty { changes.counters = counters }
        countersDirty = false
        return changes
    }

    /// Everything is saved again at the next commit (after the store rebuilt histograms).
    package mutating func markAllDirty() {
        for i in entries.indices { entries[i].dirty = true }
        countersDirty = true
    }

    /// The series as they stand, for a snapshot.
    package var series: [PublishedSeries] {
        entries.map { PublishedSeries(key: $0.key, totals: $0.totals, exemplars: $0.exemplars) }
    }

    @inline(__always)
    private static func hash(agent: String, model: String, variant: String) -> UInt64 {
        let agent = StringInterner.hash(agent)
        let model = StringInterner.hash(model)
        let variant = StringInterner.hash(variant)
        return (agent &* 0x9E37_79B9_7F4A_7C15) ^ (model &* 0xC2B2_AE3D_27D4_EB4F) ^ variant
    }

    private mutating func entryIndex(for key: SeriesKey, countFold: Bool) -> Int {
        if let i = index[key] { return i }
        var key = key
        if entries.count >= limits.maxSeries {
            if countFold {
                counters.foldedLines["series", default: 0] &+= 1
                countersDirty = true
            }
            key = .overflow
            if let i = index[key] { return i }
        }
        index[key] = entries.count
        var totals = SeriesTotals(bucketCount: buckets.bounds.count, ttftBucketCount: ttftBuckets.bounds.count)
        totals.createdTimestamp = WallClock.now()
        entries.append(Entry(key: key, totals: totals, dirty: true))
        return entries.count - 1
    }

    private mutating func boundedErrorType(_ value: String) -> String {
        if errorTypes.contains(value) { return value }
        if errorTypes.count >= limits.maxErrorTypes { return fold("error_type") }
        errorTypes.insert(value)
        return value
    }

    private mutating func boundedFallbackModel(_ value: String) -> String {
        if fallbackModels.contains(value) { return value }
        if fallbackModels.count >= limits.maxFallbackModels { return fold("fallback_model") }
        fallbackModels.insert(value)
        return value
    }

    private mutating func fold(_ label: String) -> String {
        counters.foldedLines[label, default: 0] &+= 1
        return "other"
    }
}
