import ArgumentParser
import Foundation
import Logging
import MetricsCore
import ServiceLifecycle

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a simulated gateway writing realistic traffic into a temporary log, and serve it (Ctrl-C stops).")

    @Option(name: .customLong("web.listen-address"), help: "Address to serve on.") var listenAddress = "127.0.0.1:9816"
    @Option(help: "Simulated requests per second.") var rate: Double = 20
    @Option(name: .customLong("bad-rate"), help: "Share of malformed lines.") var badRate: Double = 0.01
    @Option(name: .customLong("log.level")) var logLevel = "info"

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("model-exporter-demo-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let logPath = directory + "/calls.jsonl"
        let settings: ExporterSettings
        do {
            settings = try ExporterSettings.resolve(
                flags: ["calllog.path": logPath, "storage.path": directory + "/calls.sqlite",
                        "web.listen-address": listenAddress, "log.level": logLevel],
                environment: [:], configFile: nil)
        } catch {
            throw ValidationError(error.description)
        }
        let logger = ExporterLogging.bootstrap(level: settings.logLevel)
        // An hour of history first, so the charts and rates have something to show.
        var generator = CallLogGenerator(seed: UInt64(WallClock.now()), startTimestamp: WallClock.now() - 3600,
                                         requestsPerSecond: rate, badRate: badRate)
        var history = ""
        while generator.nextTimestamp < WallClock.now() { history += generator.nextLine() + "\n" }
        _ = FileManager.default.createFile(atPath: logPath, contents: Data(history.utf8))
        let url = "http://\(listenAddress.hasPrefix(":") ? "127.0.0.1" + listenAddress : listenAddress)"
        FileHandle.standardOutput.write(Data("""
            model-exporter demo
              call log:  \(logPath)
              database:  \(directory)/calls.sqlite   (sqlite3 -readonly to explore)
              metrics:   \(url)/metrics
              health:    \(url)/health
            Ctrl-C stops.

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
