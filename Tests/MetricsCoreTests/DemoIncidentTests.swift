import Foundation
import MetricsCore
import Testing

/// Each scripted incident of `demo --incident`, played in simulation over the demo's traffic
/// for 65 minutes (the longest `for` of its alerts is an hour): its alerts fire for its agent
/// (or the gateway), and no other traffic alert does.
@Suite struct DemoIncidentTests {
    @Test(arguments: DemoIncident.allCases, [11, 12] as [UInt64])
    func incidentFiresItsAlertsAndNoOther(incident: DemoIncident, seed: UInt64) throws {
        let simulation = try TrafficSimulation(profile: incident.applied(to: .demo), seconds: 3900, seed: seed)
        let key = incident.agent ?? ""
        for alert in incident.alerts {
            #expect(simulation.firing(alert) == [key], "\(incident.rawValue): \(alert) fires for \(simulation.firing(alert).sorted())")
        }
        for alert in TrafficSimulation.trafficAlerts where !incident.alerts.contains(alert) {
            let firing = simulation.firing(alert)
            #expect(firing.isEmpty, "\(incident.rawValue): \(alert) also fires for \(firing.sorted())")
        }
    }

    /// The other agents stay healthy: an incident of one agent holds no alert of another.
    @Test(arguments: DemoIncident.allCases.filter { $0.agent != nil })
    func otherAgentsStayQuiet(incident: DemoIncident) throws {
        let simulation = try TrafficSimulation(profile: incident.applied(to: .demo), seconds: 1200, seed: 13)
        for alert in TrafficSimulation.trafficAlerts {
            let others = simulation.everHolding(alert).subtracting([incident.agent!])
            #expect(others.isEmpty, "\(incident.rawValue): \(alert) holds for \(others.sorted())")
        }
    }

    @Test func incidentsCombine() {
        let both = DemoIncident.agentOutage.applied(to: DemoIncident.budget.applied(to: .demo))
        #expect(both.perAgent["support_agent"]?.baseline.errorRate == 1)
        #expect(both.perAgent["support_agent"]?.baseline.costPer1kTokens == CallLogGenerator.Profile.demo.baseline.costPer1kTokens * 5)
        #expect(both.baseline.costPer1kTokens == CallLogGenerator.Profile.demo.baseline.costPer1kTokens * 5)
    }

    @Test func namesAreTheIssuesSeven() {
        #expect(DemoIncident.names == "error-spike, latency, cost-overrun, budget, agent-outage, finetuned-regression, slow-first-token")
    }
}
