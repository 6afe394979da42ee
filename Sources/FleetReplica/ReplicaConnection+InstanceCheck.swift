import Logging
import PostgresNIO

/// `--instance NAME` for an instance that never shipped (a typo, or the host name where the
/// exporter runs with another `--replica.instance`) would otherwise answer with no rows, and
/// the "widen the window" note would send the reviewer the wrong way. So the name is checked
/// against the instances the replica knows (`replica_marks`, one row per instance and stream)
/// before the query runs, and an unknown one is an error naming the known ones.
extension ReplicaConnection {
    func checkInstanceShipped(_ instance: String?) async throws {
        guard let instance else { return }
        let rows = try await connection.query("SELECT DISTINCT instance FROM replica_marks ORDER BY 1", logger: Logger(label: "model-exporter.fleet-query"))
        var known: [String] = []
        for try await name in rows.decode(String.self) { known.append(name) }
        guard !known.contains(instance) else { return }
        let list = known.isEmpty ? "none has shipped here yet" : "those here: " + known.joined(separator: ", ")
        throw FleetQueryError("no exporter has shipped as instance \"\(instance)\" (\(list)): check --instance against the exporters' --replica.instance")
    }
}
