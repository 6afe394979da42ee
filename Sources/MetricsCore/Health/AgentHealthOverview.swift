/// Every known agent's health at once, for the `agents` object of `/health`: `degraded` when
/// any agent is ERROR or SLOW, `healthy` otherwise (IDLE agents do not degrade it: no traffic
/// is not a fault of the model).
public struct AgentHealthOverview: Sendable, Equatable {
    public enum Status: String, Sendable {
        case healthy, degraded
    }

    /// By agent name.
    public var agents: [AgentHealth]

    public init(agents: [AgentHealth]) {
        self.agents = agents
    }

    public var status: Status {
        agents.contains { $0.state == .error || $0.state == .slow } ? .degraded : .healthy
    }
}
