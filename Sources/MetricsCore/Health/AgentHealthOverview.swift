/// Every known agent's health at once, for the `agents` object of `/health`: `degraded` when
/// any agent is ERROR or SLOW, `healthy` otherwise (IDLE agents do not degrade it: no traffic
/// is not a fault of the model).
package struct AgentHealthOverview: Sendable, Equatable {
    package enum Status: String, Sendable {
        case healthy, degraded
    }

    /// By agent name.
    package var agents: [AgentHealth]

    package init(agents: [AgentHealth]) {
        self.agents = agents
    }

    package var status: Status {
        agents.contains { $0.state == .error || $0.state == .slow } ? .degraded : .healthy
    }
}
