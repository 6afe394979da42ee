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

            mutating func add(success: Bool, error: Bool, fallback: Bool, latencyMs: Double, costUSD: Double, tokens: Int) {
                minute.requests += 1
                if success { minute.successes += 1 }
                if error { minute.errors += 1 }
                if fallback { minute.fallbacks += 1 }
                minute.costUSD += costUSD
                minute.tokens += tokens
                latenciesMs.append(latencyMs)
            }
        }

        let now: Double
        let bucketSeconds: Double
        let bucketCount: Int
        let recentBuckets: Int
        let maximumArms: Int
        private(set) var arms: [Key: [Bucket]] = [:]
        private(set) var lastCall: [Key: Double] = [:]
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
                          latencyMs: Double, costUSD: Double, tokens: Int) {
            guard let b = bucket(of: ts) else { return }
            gateway[b].add(success: success, error: error, fallback: fallback, latencyMs: latencyMs, costUSD: costUSD, tokens: tokens)
            let key = Key(agent: agent, variant: variant)
            if arms[key] == nil {
                guard arms.count < maximumArms else {
                    // The set of left-out arms is itself bounded: its size is only reported.
                    if omittedArms.count < 100_000 { omittedArms.insert(key) }
                    omittedCalls += 1
                    return
                }
                arms[key] = Array(repeating: Bucket(), count: bucketCount)
            }
            arms[key]![b].add(success: success, error: error, fallback: fallback, latencyMs: latencyMs, costUSD: costUSD, tokens: tokens)
            lastCall[key] = max(lastCall[key] ?? ts, ts)
        }

        /// The page's data. Agents are those with calls in the hour plus those `health` knows
        /// (idle ones included); `health` gives each one's state, and an agent it does not know
        /// (one folded into `other` in the series, say) is classified here by the same rule
        /// over the recent window.
        func data(health: [String: AgentHealth] = [:], healthError: String? = nil,
                  thresholds: AgentHealth.Thresholds = AgentHealth.Thresholds()) -> StatusPageData {
            var byAgent: [String: [Arm]] = [:]
            for (key, buckets) in arms {
                let arm = Arm(agent: key.agent, variant: key.variant, minutes: buckets.map(Self.finished),
                              recent: figures(buckets.suffix(recentBuckets)), hour: figures(buckets[...]),
                              lastCall: lastCall[key] ?? start)
                byAgent[key.agent, default: []].append(arm)
            }
            for name in health.keys where byAgent[name] == nil { byAgent[name] = [] }
            let agents = byAgent.keys.sorted().map { name -> Agent in
                let arms = byAgent[name]!.sorted { $0.variant < $1.variant }
                let state = health[name] ?? classify(name, arms: arms, thresholds: thresholds)
                return Agent(name: name, health: state, arms: arms)
            }
            return StatusPageData(
                now: now, bucketSeconds: bucketSeconds, bucketCount: bucketCount, recentBuckets: recentBuckets,
                agents: agents, gateway: gateway.map(Self.finished), gatewayRecent: figures(gateway.suffix(recentBuckets)),
                omittedArms: omittedArms.count, omittedCalls: omittedCalls, healthError: healthError)
        }

        private func classify(_ agent: String, arms: [Arm], thresholds: AgentHealth.Thresholds) -> AgentHealth {
            var latencies: [Double] = []
            for key in self.arms.keys where key.agent == agent {
                for bucket in self.arms[key]!.suffix(recentBuckets) { latencies += bucket.latenciesMs }
            }
            latencies.sort()
            let recent = arms.map(\.recent)
            return AgentHealth(
                agent: agent, requests: recent.reduce(0) { $0 + $1.requests }, successes: recent.reduce(0) { $0 + $1.successes },
                errors: recent.reduce(0) { $0 + $1.errors }, fallbacks: recent.reduce(0) { $0 + $1.fallbacks },
                p95Seconds: LatencySample.nearestRank(latencies, 0.95).map { $0 / 1000 },
                windowStart: now - bucketSeconds * Double(recentBuckets), windowEnd: now, thresholds: thresholds)
        }

        private static func finished(_ bucket: Bucket) -> Minute {
            var minute = bucket.minute
            minute.p95Seconds = LatencySample.nearestRank(bucket.latenciesMs.sorted(), 0.95).map { $0 / 1000 }
            return minute
        }

        private func figures(_ buckets: ArraySlice<Bucket>) -> Figures {
            var figures = Figures(seconds: bucketSeconds * Double(buckets.count))
            var latencies: [Double] = []
            for bucket in buckets {
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
            return figures
        }
    }
}
