import MetricsCore
import Testing

@testable import ModelExporter

/// /health with a replica: degraded (never failing) while it cannot ship, ok once it ships.
struct HealthReportReplicaTests {
    func healthy() -> MetricsSnapshot {
        var snapshot = MetricsSnapshot()
        snapshot.catchUpComplete = true
        snapshot.calllog = CallLogStatus(path: "/var/log/calls.jsonl")
        snapshot.calllog.fileExists = true
        return snapshot
    }

    @Test func degradedWhileTheReplicaCannotShip() {
        var snapshot = healthy()
        #expect(HealthReport(snapshot).status == "ok")
        var replica = ReplicaMetrics()
        replica.rowsBehind = 5000
        replica.lastError = "cannot reach PostgreSQL at db:5432"
        snapshot.replica = replica
        let report = HealthReport(snapshot)
        #expect(report.status == "degraded")
        #expect(report.problems.contains { $0.contains("5000 rows behind") && $0.contains("cannot reach PostgreSQL") })
        snapshot.replica?.up = true
        #expect(HealthReport(snapshot).status == "ok")
    }
}
