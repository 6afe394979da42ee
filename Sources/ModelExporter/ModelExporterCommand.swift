import ArgumentParser

@main
struct ModelExporterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model-exporter",
        abstract: "Prometheus exporter for an LLM gateway's call log, with every call in SQLite.",
        version: ExporterVersion.current,
        subcommands: [ServeCommand.self, IngestCommand.self, InspectCommand.self, DemoCommand.self, GenerateCommand.self, QueryCommand.self, ReportCommand.self, CheckConfigCommand.self],
        defaultSubcommand: nil)
}
