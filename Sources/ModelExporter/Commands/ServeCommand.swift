import ArgumentParser
import Foundation
import Logging
import MetricsCore

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Follow the call log into SQLite and serve /metrics and /health (the main job).")

    @OptionGroup var options: ServeOptions

    /// Settings are checked here, not in `run()`, so a problem is reported with this
    /// command's usage line rather than the top-level one.
    func validate() throws {
        _ = try options.resolve(environment: ProcessInfo.processInfo.environment)
    }

    func run() async throws {
        let settings = try options.resolve(environment: ProcessInfo.processInfo.environment)
        let logger = ExporterLogging.bootstrap(level: settings.logLevel)
        try await ExporterServer(settings: settings, logger: logger).run()
    }
}
