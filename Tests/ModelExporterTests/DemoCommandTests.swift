import Foundation
import Testing

/// `demo --incident` as an operator meets it before anything starts: an unknown name is one
/// line naming the incidents there are, and exit status 2; nothing is written or served. The
/// incidents' traffic is `DemoIncidentTests` (simulation) and
/// `scripts/checks/45-e2e-demo-incidents.sh` (a real Prometheus and Alertmanager).
struct DemoCommandTests {
    @Test func anUnknownIncidentIsOneLineListingTheIncidents() async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let run = try await ExporterProcess.run(["demo", "--incident", "budget", "--incident", "meteor-strike"], in: dir.path,
                                                environment: ["TMPDIR": dir.path])
        #expect(run.exit == .init(status: 2, bySignal: false), "\(run.stderr)")
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(run.stderr)")
        for name in ["meteor-strike", "error-spike", "latency", "cost-overrun", "budget", "agent-outage", "finetuned-regression",
                     "slow-first-token"] {
            #expect(lines.first?.contains(name) == true, "\(name) missing: \(run.stderr)")
        }
        #expect(run.stdout.isEmpty)
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("model-exporter-demo-") }
        #expect(left.isEmpty, "the demo created \(left) before refusing")
    }
}
