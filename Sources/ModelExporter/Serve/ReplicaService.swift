import FleetReplica
import ServiceLifecycle

/// The replica shipper as a service of `serve`'s group: it runs beside ingest, on its own task,
/// and stops at graceful shutdown. A batch cut short by the stop is rolled back in PostgreSQL
/// and shipped again by the next start, from the mark.
struct ReplicaService: Service {
    var shipper: ReplicaShipper

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await shipper.run()
        }
    }
}
