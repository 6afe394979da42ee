import FleetReplica
import Foundation
import Hummingbird
import Logging
import MetricsCore
import ServiceLifecycle
import UnixSignals

/// Wires the parts of `serve` together: the ingest service and the HTTP server in one
/// ServiceGroup, which turns SIGTERM/SIGINT into a graceful shutdown (the last batch is
/// committed, then the process exits 0).
struct ExporterServer {
    var settings: ExporterSettings
    var logger: Logger
    var extraServices: [any Service] = []

    func run() async throws {
        // The web config first: a bad one must stop the start before anything is opened.
        let web = try WebSecurity.load(path: settings.webConfigFile)
        logger.info("starting model-exporter", metadata: [
            "version": "\(ExporterVersion.current)", "calllog": "\(settings.calllogPath)",
            "storage": "\(settings.storagePath)", "listen": "\(settings.listenHost):\(settings.listenPort)",
            "web": "\(web.summary)",
        ])
        for warning in web.warnings() { logger.warning("\(warning)") }
        // One owner per database, taken before anything is opened or bound: a second serve or
        // ingest on the same file exits here, having written nothing.
        let lock = try DatabaseLock(databasePath: settings.storagePath)
        defer { withExtendedLifetime(lock) {} }
        let board = MetricsBoard()
        let notifier = SystemdNotifier.fromEnvironment()
        var ingestConfiguration = settings.ingestConfiguration
        ingestConfiguration.yieldsToScrapes = true
        var replicaServices: [any Service] = []
        if let replica = settings.replica {
            // Retention keeps every row the shipper has not committed to PostgreSQL yet.
            let marks = ShippedMarks()
            ingestConfiguration.retention.shipped = marks
            let shipper = ReplicaShipper(configuration: replica, marks: marks, logger: logger,
                                         publish: { [board] in board.publishReplica($0) })
            replicaServices.append(ReplicaService(shipper: shipper))
            logger.info("shipping to PostgreSQL", metadata: [
                "replica.target": "\(replica.target)", "replica.instance": "\(replica.instance)",
            ])
        }
        let ingest = IngestService(
            configuration: ingestConfiguration, storagePath: settings.storagePath, board: board,
            logger: logger,
            onCaughtUp: { [logger] in
                do {
                    try notifier?.ready(status: "caught up with the call log; serving metrics")
                } catch {
                    logger.warning("cannot notify systemd", metadata: ["error": "\(error)"])
                }
            })
        let router = ExporterRoutes.router(board: board, telemetryPath: settings.telemetryPath, agentHealth: AgentHealthProbe(path: settings.storagePath))
        let logger = self.logger
        let app = Application(
            responder: web.responder(wrapping: router.buildResponder()),
            server: try web.serverBuilder(),
            configuration: web.applicationConfiguration(address: .hostname(settings.listenHost, port: settings.listenPort), logger: logger),
            onServerRunning: { channel in
                logger.info("listening", metadata: ["address": "\(channel.localAddress?.description ?? "?")",
                                                    "port": "\(channel.localAddress?.port ?? 0)"])
            },
            logger: logger)
        var services: [any Service] = [ingest, app]
        services += replicaServices
        services += extraServices
        if let notifier {
            services.append(SystemdLifecycleService(
                notifier: notifier, watchdogInterval: SystemdNotifier.watchdogInterval(ProcessInfo.processInfo.environment),
                board: board, logger: logger))
        }
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group.run()
        } catch {
            logger.error("model-exporter stopped on an error", metadata: [
                "error": "\(error)", "listen": "\(settings.listenHost):\(settings.listenPort)",
            ])
            throw ServeFailure(message: "model-exporter stopped: \(error) (listening on \(settings.listenHost):\(settings.listenPort))")
        }
        logger.info("model-exporter stopped")
    }
}

/// Tells systemd about the service's life beyond READY=1: WATCHDOG=1 at half the interval
/// systemd asked for while the ingest loop is alive, and STOPPING=1 as soon as a graceful
/// shutdown begins (before the last batch is committed).
struct SystemdLifecycleService: Service {
    var notifier: SystemdNotifier
    var watchdogInterval: Duration?
    var board: MetricsBoard
    var logger: Logger

    func run() async throws {
        await withGracefulShutdownHandler {
            guard let interval = watchdogInterval else {
                try? await gracefulShutdown()
                return
            }
            let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
            while !Task.isShuttingDownGracefully {
                // A stuck ingest loop must get the service restarted, so only a live loop pets
                // the dog. Before the loop's first report, READY=1 has not been sent either, and
                // systemd does not watch yet.
                let heartbeat = board.heartbeat
                if heartbeat > 0 {
                    if WallClock.monotonic() - heartbeat < seconds {
                        try? notifier.watchdog()
                    } else {
                        logger.warning("ingest loop has not reported for a watchdog interval; not notifying systemd")
                    }
                }
                try? await Task.sleep(for: interval / 2)
            }
        } onGracefulShutdown: {
            try? notifier.stopping()
        }
    }
}

/// Why `serve` stopped on an error; printed once, and the exit status is non-zero.
struct ServeFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
