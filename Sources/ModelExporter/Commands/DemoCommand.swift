import ArgumentParser
import Foundation
import Logging
import MetricsCore
import ServiceLifecycle

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a simulated gateway writing realistic traffic into a temporary log, and serve it (Ctrl-C stops).",
        // One paragraph without line breaks: the argument parser wraps it to the terminal.
        discussion: "The normal traffic stays under every shipped alert threshold. --incident NAME plays a scripted "
            + "incident in the live traffic (the hour of history stays normal), so that the matching alerts fire in "
            + "the Prometheus and Alertmanager watching the demo:\n"
            + DemoIncident.allCases.map { "\($0.rawValue): \($0.alerts.joined(separator: ", "))" }.joined(separator: "\n"))

    @Option(name: .customLong("web.listen-address"), help: "Address to serve on.") var listenAddress = "127.0.0.1:9816"
    @Option(help: "Simulated requests per second.") var rate: Double = 20
    @Option(name: .customLong("bad-rate"), help: "Share of malformed lines.") var badRate: Double = 0.01
    @Option(name: .customLong("log.level")) var logLevel = "info"
    @Option(help: "A scripted incident to play (repeatable): \(DemoIncident.names).") var incident: [String] = []
    @Option(help: "Seed of the simulated traffic (default: the clock).") var seed: UInt64?
    @Option(name: .customLong("cost.budget-daily"), help: "Daily spend budget exported for the budget alerts, US dollars.")
    var budgetDaily = CallLogGenerator.demoDailyBudget
    @Option(name: .customLong("cost.budget-hourly"), help: "Hourly spend budget exported, US dollars.")
    var budgetHourly = CallLogGenerator.demoHourlyBudget
    @Option(name: .customLong("replica.url"), help: "Also ship the demo's calls to this PostgreSQL (docs/fleet.md).") var replicaURL: String?
    @Option(name: .customLong("replica.instance"), help: "The demo's instance name in PostgreSQL.") var replicaInstance: String?

    /// The incidents named, or one message listing the names there are (exit 2, before anything starts).
    func incidents() throws -> [DemoIncident] {
        try incident.map { name in
            guard let known = DemoIncident(rawValue: name) else {
                FileHandle.standardError.write(Data("Error: unknown incident \"\(name)\"; the incidents are: \(DemoIncident.names)\n".utf8))
                throw ExitCode(2)
            }
            return known
        }
    }

    func run() async throws {
        let incidents = try incidents()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("model-exporter-demo-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let logPath = directory + "/calls.jsonl"
        let settings: ExporterSettings
        do {
            var flags = ["calllog.path": logPath, "storage.path": directory + "/calls.sqlite",
                         "web.listen-address": listenAddress, "log.level": logLevel,
                         "cost.budget-hourly": "\(budgetHourly)", "cost.budget-daily": "\(budgetDaily)"]
            flags["replica.url"] = replicaURL
            flags["replica.instance"] = replicaInstance
            settings = try ExporterSettings.resolve(flags: flags, environment: [:], configFile: nil)
        } catch {
            throw ValidationError(error.description)
        }
        let logger = ExporterLogging.bootstrap(level: settings.logLevel)
        // An hour of history first, so the charts and rates have something to show.
        var generator = CallLogGenerator(seed: seed ?? UInt64(WallClock.now()), startTimestamp: WallClock.now() - 3600,
                                         requestsPerSecond: rate, badRate: badRate, profile: .demo)
        var history = ""
        while generator.nextTimestamp < WallClock.now() { history += generator.nextLine() + "\n" }
        generator.profile = incidents.reduce(generator.profile) { $1.applied(to: $0) }
        _ = FileManager.default.createFile(atPath: logPath, contents: Data(history.utf8))
        let url = "http://\(listenAddress.hasPrefix(":") ? "127.0.0.1" + listenAddress : listenAddress)"
        FileHandle.standardOutput.write(Data("""
            model-exporter demo
              call log:  \(logPath)
              database:  \(directory)/calls.sqlite   (sqlite3 -readonly to explore)
              metrics:   \(url)/metrics
              health:    \(url)/health
            \(incidents.map { "  incident:  \($0.rawValue) (\($0.agent ?? "every agent")) -> \($0.alerts.joined(separator: ", "))\n" }.joined())Ctrl-C stops.

            """.utf8))
        let writer = SimulatedGateway(path: logPath, generator: generator)
        try await ExporterServer(settings: settings, logger: logger, extraServices: [writer]).run()
    }
}

/// Appends generated lines with current timestamps, as a gateway would.
struct SimulatedGateway: Service {
    var path: String
    var generator: CallLogGenerator

    func run() async throws {
        var generator = generator
        guard let handle = FileHandle(forWritingAtPath: path) else { return }
        handle.seekToEndOfFile()
        while !Task.isShuttingDownGracefully {
            var text = ""
            let now = WallClock.now()
            if generator.nextTimestamp < now - 5 { generator.nextTimestamp = now }
            while generator.nextTimestamp <= now { text += generator.nextLine() + "\n" }
            if !text.isEmpty { handle.write(Data(text.utf8)) }
            try? await Task.sleep(for: .milliseconds(200))
        }
        try? handle.close()
    }
}
