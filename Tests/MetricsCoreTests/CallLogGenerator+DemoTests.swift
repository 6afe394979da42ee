import Foundation
import MetricsCore
import Testing

/// The demo's normal traffic, evaluated against every traffic alert in prometheus/*.yml:
/// nothing may fire, nothing may even hold once, for an hour of live traffic at the demo's
/// 20 requests per second, for several seeds (the demo seeds itself from the clock).
@Suite struct CallLogGeneratorDemoTests {
    @Test(arguments: [11, 12, 13, 14] as [UInt64])
    func normalDemoTrafficStaysUnderEveryAlertThreshold(seed: UInt64) throws {
        let simulation = try TrafficSimulation(profile: .demo, seconds: 3900, seed: seed)
        #expect(simulation.agents.count == 5)
        for alert in TrafficSimulation.trafficAlerts {
            let holding = simulation.everHolding(alert)
            #expect(holding.isEmpty, "\(alert) holds for \(holding.sorted()) on the demo's normal traffic")
        }
    }

    /// ~$3/h, well under HighCostBurn's $5/h (the default profile spends ~$14/h at the same rate).
    @Test func normalDemoTrafficSpendsAboutThreeDollarsAnHour() throws {
        let simulation = try TrafficSimulation(profile: .demo, seconds: 3600)
        let rules = try ShippedAlertRules()
        #expect((2.0...3.5).contains(simulation.dollarsPerHour), "\(simulation.dollarsPerHour) $/h")
        #expect(simulation.dollarsPerHour < 0.7 * rules.rule("HighCostBurn").threshold)
        #expect(simulation.dollarsPerHour * 24 < 0.8 * CallLogGenerator.demoDailyBudget)
        let loadTest = try TrafficSimulation(profile: .default, seconds: 600)
        #expect(loadTest.dollarsPerHour > rules.rule("HighCostBurn").threshold, "the default profile is not the demo's")
    }
}
