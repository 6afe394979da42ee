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
package struct StatusPageData: Sendable, Equatable {
    /// One bucket of one arm.
    package struct Minute: Sendable, Equatable {
        package var requests = 0
        package var successes = 0
        /// First-attempt errors, including those the fallback rescued.
        package var errors = 0
        package var fallbacks = 0
        package var costUSD = 0.0
        package var tokens = 0
        package var p95Seconds: Double?
        /// Input tokens, and the part of them the provider's prompt cache served.
        package var inputTokens = 0
        package var cachedInputTokens = 0
        /// Nearest-rank p95 of the time to first token of the bucket's streamed calls.
        package var ttftP95Seconds: Double?

        package init() {}

        package var successRate: Double? { requests > 0 ? Double(successes) / Double(requests) : nil }
        package var errorRate: Double? { requests > 0 ? Double(errors) / Double(requests) : nil }
        package var fallbackRate: Double? { requests > 0 ? Double(fallbacks) / Double(requests) : nil }
    }

    /// Totals over a span of buckets, and the rates the page shows.
    package struct Figures: Sendable, Equatable {
        package var seconds: Double
        package var requests = 0
        package var successes = 0
        package var errors = 0
        package var fallbacks = 0
        package var costUSD = 0.0
        package var tokens = 0
        package var p95Seconds: Double?
        package var inputTokens = 0
        package var cachedInputTokens = 0
        package var ttftP95Seconds: Double?

        package init(seconds: Double) {
            self.seconds = seconds
        }

        package var requestsPerMinute: Double { seconds > 0 ? Double(requests) * 60 / seconds : 0 }
        package var costPerHour: Double { seconds > 0 ? costUSD * 3600 / seconds : 0 }
        package var tokensPerMinute: Double { seconds > 0 ? Double(tokens) * 60 / seconds : 0 }
        package var successRate: Double? { requests > 0 ? Double(successes) / Double(requests) : nil }
        package var errorRate: Double? { requests > 0 ? Double(errors) / Double(requests) : nil }
        package var fallbackRate: Double? { requests > 0 ? Double(fallbacks) / Double(requests) : nil }
        /// The share of input tokens served from the provider's prompt cache.
        package var cachedInputShare: Double? { inputTokens > 0 ? Double(cachedInputTokens) / Double(inputTokens) : nil }
    }

    /// One variant of one agent.
    package struct Arm: Sendable, Equatable {
        package var agent: String
        package var variant: String
        /// `bucketCount` buckets, oldest first; the last one ends at `now`.
        package var minutes: [Minute]
        package var recent: Figures
        package var hour: Figures
        /// Epoch seconds of the newest call in the hour.
        package var lastCall: Double
    }

    package struct Agent: Sendable, Equatable {
        package var name: String
        /// The state of `/health/{agent}`.
        package var health: AgentHealth
        /// By variant name; empty when the agent had no call in the hour.
        package var arms: [Arm]
    }

    package var now: Double
    package var bucketSeconds: Double
    package var bucketCount: Int
    /// How many of the newest buckets make up `recent`.
    package var recentBuckets: Int
    /// By name.
    package var agents: [Agent]
    /// The whole gateway per bucket: every arm added up (including arms left out below).
    package var gateway: [Minute]
    package var gatewayRecent: Figures
    /// Calls of arms past the bound on arms shown (an agent name made of request ids, say).
    package var omittedArms: Int
    package var omittedCalls: Int
    /// Why agent states could not be read, when they could not; the figures are still good.
    package var healthError: String?
    /// Spend of the whole gateway over the last 24 hours, (now − 86400, now]: what the
    /// DailyBudgetExceeded alert compares with the daily budget.
    package var costLastDay = 0.0

    package var start: Double { now - bucketSeconds * Double(bucketCount) }
    package var recentSeconds: Double { bucketSeconds * Double(recentBuckets) }
    package var arms: [Arm] { agents.flatMap(\.arms) }

    package func agent(_ name: String) -> Agent? { agents.first { $0.name == name } }
    package func arm(_ agent: String, _ variant: String) -> Arm? {
        self.agent(agent)?.arms.first { $0.variant == variant }
    }
}
