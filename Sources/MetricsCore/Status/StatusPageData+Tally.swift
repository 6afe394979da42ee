extension StatusPageData {
    /// Adds up calls, one at a time in any order, into per-arm minute buckets; then
    /// ``data(health:healthError:thresholds:)`` takes the percentiles and the agents' states.
    ///
    /// The agent and variant come from the log, so their number is not bounded by anything
    /// upstream; past `maximumArms` distinct arms, further arms' calls are only counted (and
    /// added to the gateway's totals), so a gateway bug cannot make the page or this tally
    /// grow without bound.
    struct Tally {
        struct Key: Hashable {
            var agent: String
            var variant: String
        }

        struct Bucket {
            var minute = Minute()
            var latenciesMs: [Double] = []
            var ttftsMs: [Double] = []

            mutating func add(success: Bool, error: Bool, fallback: Bool, latencyMs: Double, costUSD: Double, tokens: Int,
                              signals: Signals) {
                minute.requests += 1
                if success { minute.successes += 1 }
                if error { minute.errors += 1 }
                if fallback { minute.fallbacks += 1 }
                minute.costUSD += costUSD
                minute.tokens += tokens
                latenciesMs.append(latencyMs)
                minute.inputTokens += signals.inputTokens
                minute.cachedInputTokens += signals.cachedInputTokens
                if let ttft = signals.ttftMs { ttftsMs.append(ttft) }
            }
        }

        /// What a call adds beyond the counts: the prompt-cache share and, when it was
        /// streamed, its time to first token.
        struct Signals {
            var inputTokens = 0
            var cachedInputTokens = 0
            var ttftMs: Double?
        }

        /// One arm's buckets and its newest call.
        struct ArmTally {
            var key: Key
            var buckets: [Bucket]
            var lastCall: Double
        }

        let now: Double
        let bucketSeconds: Double
        let bucketCount: Int
        let recentBuckets: Int
        let maximumArms: Int
        /// One hash lookup per call: the key's index into `arms`.
        private var index: [Key: Int] = [:]
        private(set) var arms: [ArmTally] = []
        private(set) var gateway: [Bucket]
        private(set) var omittedArms: Set<Key> = []
        private(set) var omittedCalls = 0

        init(now: Double, bucketSeconds: Double = 60, bucketCount: Int = 60, recentBuckets: Int = 5, maximumArms: Int = 200) {
            precondition(bucketSeconds > 0 && bucketCount > 0 && (1...bucketCount).contains(recentBuckets) && maximumArms >= 0,
                         "status page buckets are set by the code, not by input")
            self.now = now
            self.bucketSeconds = bucketSeconds
            self.bucketCount = bucketCount
            self.recentBuckets = recentBuckets
            self.maximumArms = maximumArms
            gateway = Array(repeating: Bucket(), count: bucketCount)
        }

        var start: Double { now - bucketSeconds * Double(bucketCount) }

        /// The bucket of a call at `ts`: bucket i holds (start + i·w, start + (i+1)·w]. Nil
        /// outside (start, now].
        func bucket(of ts: Double) -> Int? {
            guard ts > start, ts <= now else { return nil }
            let index = Int(((ts - start) / bucketSeconds).rounded(.up)) - 1
            return min(max(index, 0), bucketCount - 1)
        }

        mutating func add(agent: String, variant: String, ts: Double, success: Bool, error: Bool, fallback: Bool,
                          latencyMs: Double, costUSD: Double, tokens: Int, signals: Signals = Signals()) {
            guard let b = bucket(of: ts) else { return }
            gateway[b].add(success: success, error: error, fallback: fallback, latencyMs: latencyMs, costUSD: costUSD, tokens: tokens,
                           signals: signals)
            let key = Key(agent: agent, variant: variant)
            let i: Int
            if let known = index[key] {
                i = known
            } else {
                guard arms.count < maximumArms else {
                    // The set of left-out arms is itself bounded: its size is only reported.
                    if omittedArms.count < 100_000 { omittedArms.insert(key) }
                    omittedCalls += 1
                    return
                }
                i = arms.count
                index[key] = i
                arms.append(ArmTally(key: key, buckets: Array(repeating: Bucket(), count: bucketCount), lastCall: ts))
            }
            arms[i].buckets[b].add(success: success, error: error, fallback: fallback, latencyMs: latencyMs, costUSD: costUSD, tokens: tokens,
                                   signals: signals)
            if ts > arms[i].lastCall { arms[i].lastCall = ts }
        }

        /// The page's data. Agents are those with calls in the hour plus those `health` knows
        /// (idle ones included); `health` gives each one's state, and an agent it does not know
        /// (one folded into `other` in the series, say) is classified here by the same rule
        /// over the recent window.
        func data(health: [String: AgentHealth] = [:], healthError: String? = nil,
                  thresholds: AgentHealth.Thresholds = AgentHealth.Thresholds()) -> StatusPageData {
            // Latencies sorted once per bucket; the spans' percentiles then sort runs that are
            // already in order, which Swift's sort merges in linear time.
            let sortedArms = arms.map { arm in
                var arm = arm
                for b in arm.buckets.indices {
                    arm.buckets[b].latenciesMs.sort()
                    arm.buckets[b].ttftsMs.sort()
                }
                return arm
            }
            var byAgent: [String: [Arm]] = [:]
            var recentLatencies: [String: [Double]] = [:]
            for tally in sortedArms {
                let arm = Arm(agent: tally.key.agent, variant: tally.key.variant, minutes: tally.buckets.map(Self.finished),
                              recent: figures(tally.buckets.suffix(recentBuckets)), hour: figures(tally.buckets[...]),
                              lastCall: tally.lastCall)
                byAgent[tally.key.agent, default: []].append(arm)
                if health[tally.key.agent] == nil {
                    for bucket in tally.buckets.suffix(recentBuckets) { recentLatencies[tally.key.agent, default: []] += bucket.latenciesMs }
                }
            }
            for name in health.keys where byAgent[name] == nil { byAgent[name] = [] }
            let agents = byAgent.keys.sorted().map { name -> Agent in
                let arms = byAgent[name]!.sorted { $0.variant < $1.variant }
                let state = health[name] ?? classify(name, arms: arms, latencies: recentLatencies[name] ?? [], thresholds: thresholds)
                return Agent(name: name, health: state, arms: arms)
            }
            var gateway = self.gateway
            for b in gateway.indices {
                gateway[b].latenciesMs.sort()
                gateway[b].ttftsMs.sort()
            }
            return StatusPageData(
                now: now, bucketSeconds: bucketSeconds, bucketCount: bucketCount, recentBuckets: recentBuckets,
                agents: agents, gateway: gateway.map(Self.finished), gatewayRecent: figures(gateway.suffix(recentBuckets)),
                omittedArms: omittedArms.count, omittedCalls: omittedCalls, healthError: healthError)
        }

        private func classify(_ agent: String, arms: [Arm], latencies: [Double], thresholds: AgentHealth.Thresholds) -> AgentHealth {
            let recent = arms.map(\.recent)
            return AgentHealth(
                agent: agent, requests: recent.reduce(0) { $0 + $1.requests }, successes: recent.reduce(0) { $0 + $1.successes },
                errors: recent.reduce(0) { $0 + $1.errors }, fallbacks: recent.reduce(0) { $0 + $1.fallbacks },
                p95Seconds: LatencySample.nearestRank(latencies.sorted(), 0.95).map { $0 / 1000 },
                windowStart: now - bucketSeconds * Double(recentBuckets), windowEnd: now, thresholds: thresholds)
        }

        /// A bucket's figures; its latencies must be sorted.
        private static func finished(_ bucket: Bucket) -> Minute {
            var minute = bucket.minute
            minute.p95Seconds = LatencySample.nearestRank(bucket.latenciesMs, 0.95).map { $0 / 1000 }
            minute.ttftP95Seconds = LatencySample.nearestRank(bucket.ttftsMs, 0.95).map { $0 / 1000 }
            return minute
        }

        private func figures(_ buckets: ArraySlice<Bucket>) -> Figures {
            var figures = Figures(seconds: bucketSeconds * Double(buckets.count))
            var latencies: [Double] = []
            var ttfts: [Double] = []
            for bucket in buckets {
                figures.inputTokens += bucket.minute.inputTokens
                figures.cachedInputTokens += bucket.minute.cachedInputTokens
                ttfts += bucket.ttftsMs
                figures.requests += bucket.minute.requests
                figures.successes += bucket.minute.successes
                figures.errors += bucket.minute.errors
                figures.fallbacks += bucket.minute.fallbacks
                figures.costUSD += bucket.minute.costUSD
                figures.tokens += bucket.minute.tokens
                latencies += bucket.latenciesMs
            }
            latencies.sort()
            figures.p95Seconds = LatencySample.nearestRank(latencies, 0.95).map { $0 / 1000 }
            ttfts.sort()
            figures.ttftP95Seconds = LatencySample.nearestRank(ttfts, 0.95).map { $0 / 1000 }
            return figures
        }
    }
}
