/// What the status page at `/` shows, read from the database at one moment `now`.
///
/// - The last hour, (now − 3600, now], in 60 buckets of one minute each, per arm (agent and
///   variant). Buckets are aligned to `now`, not to wall-clock minutes, so every bucket is a
///   whole minute and the newest one is not a half-empty minute that looks like a drop.
/// - Figures over the recent window, the last 5 buckets: (now − 300, now], the window of
///   `/health/{agent}` and of the alert rules' rates, so the page, the health endpoint and
///   the alerts read alike.
/// - Each agent's state as `/health/{agent}` gives it.
///
/// Percentiles are exact (nearest rank over the raw latencies), as in ``AgentHealth``.
public struct StatusPageData: Sendable, Equatable {
    /// One bucket of one arm.
    public struct Minute: Sendable, Equatable {
        public var requests = 0
        public var successes = 0
        /// First-attempt errors, including those the fallback rescued.
        public var errors = 0
        public var fallbacks = 0
        public var costUSD = 0.0
        public var tokens = 0
        public var p95Seconds: Double?
        /// Input tokens, and the part of them the provider's prompt cache served.
        public var inputTokens = 0
        public var cachedInputTokens = 0
        /// Nearest-rank p95 of the time to first token of the bucket's streamed calls.
        public var ttftP95Seconds: Double?

        public init() {}

        public var successRate: Double? { requests > 0 ? Double(successes) / Double(requests) : nil }
        public var errorRate: Double? { requests > 0 ? Double(errors) / Double(requests) : nil }
        public var fallbackRate: Double? { requests > 0 ? Double(fallbacks) / Double(requests) : nil }
    }

    /// Totals over a span of buckets, and the rates the page shows.
    public struct Figures: Sendable, Equatable {
        public var seconds: Double
        public var requests = 0
        public var successes = 0
        public var errors = 0
        public var fallbacks = 0
        public var costUSD = 0.0
        public var tokens = 0
        public var p95Seconds: Double?
        public var inputTokens = 0
        public var cachedInputTokens = 0
        public var ttftP95Seconds: Double?

        public init(seconds: Double) {
            self.seconds = seconds
        }

        public var requestsPerMinute: Double { seconds > 0 ? Double(requests) * 60 / seconds : 0 }
        public var costPerHour: Double { seconds > 0 ? costUSD * 3600 / seconds : 0 }
        public var tokensPerMinute: Double { seconds > 0 ? Double(tokens) * 60 / seconds : 0 }
        public var successRate: Double? { requests > 0 ? Double(successes) / Double(requests) : nil }
        public var errorRate: Double? { requests > 0 ? Double(errors) / Double(requests) : nil }
        public var fallbackRate: Double? { requests > 0 ? Double(fallbacks) / Double(requests) : nil }
        /// The share of input tokens served from the provider's prompt cache.
        public var cachedInputShare: Double? { inputTokens > 0 ? Double(cachedInputTokens) / Double(inputTokens) : nil }
    }

    /// One variant of one agent.
    public struct Arm: Sendable, Equatable {
        public var agent: String
        public var variant: String
        /// `bucketCount` buckets, oldest first; the last one ends at `now`.
        public var minutes: [Minute]
        public var recent: Figures
        public var hour: Figures
        /// Epoch seconds of the newest call in the hour.
        public var lastCall: Double
    }

    public struct Agent: Sendable, Equatable {
        public var name: String
        /// The state of `/health/{agent}`.
        public var health: AgentHealth
        /// By variant name; empty when the agent had no call in the hour.
        public var arms: [Arm]
    }

    public var now: Double
    public var bucketSeconds: Double
    public var bucketCount: Int
    /// How many of the newest buckets make up `recent`.
    public var recentBuckets: Int
    /// By name.
    public var agents: [Agent]
    /// The whole gateway per bucket: every arm added up (including arms left out below).
    public var gateway: [Minute]
    public var gatewayRecent: Figures
    /// Calls of arms past the bound on arms shown (an agent name made of request ids, say).
    public var omittedArms: Int
    public var omittedCalls: Int
    /// Why agent states could not be read, when they could not; the figures are still good.
    public var healthError: String?
    /// Spend of the whole gateway over the last 24 hours, (now − 86400, now]: what the
    /// DailyBudgetExceeded alert compares with the daily budget.
    public var costLastDay = 0.0

    public var start: Double { now - bucketSeconds * Double(bucketCount) }
    public var recentSeconds: Double { bucketSeconds * Double(recentBuckets) }
    public var arms: [Arm] { agents.flatMap(\.arms) }

    public func agent(_ name: String) -> Agent? { agents.first { $0.name == name } }
    public func arm(_ agent: String, _ variant: String) -> Arm? {
        self.agent(agent)?.arms.first { $0.variant == variant }
    }
}
