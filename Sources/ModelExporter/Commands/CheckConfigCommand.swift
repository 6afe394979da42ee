import ArgumentParser
import FleetReplica
import Foundation

/// `model-exporter check-config [--config.file F] [serve flags]`: what `serve` would run with,
/// and where each value came from, without starting anything. Validation is `serve`'s own
/// (``ExporterSettings/resolve(flags:environment:configFile:)`` and ``WebSecurity/load(path:limits:)``),
/// so a configuration this command accepts is one `serve` accepts. Exits 1 with one line per
/// problem otherwise, for CI and for a deploy step before a restart.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Print the effective settings of serve with where each came from, and check them (exit 1 on any problem).")

    @OptionGroup var options: ServeOptions

    /// Prints the flags table of docs/configuration.md instead (generated from SettingCatalog).
    @Flag(name: .customLong("markdown-table"), help: .hidden)
    var markdownTable = false

    func run() throws {
        if markdownTable {
            print(SettingCatalog.markdownTable, terminator: "")
            return
        }
        let report = Self.check(options, environment: ProcessInfo.processInfo.environment)
        print(report.text, terminator: "")
        guard report.problems.isEmpty else {
            FileHandle.standardError.write(Data(report.problemText.utf8))
            throw ExitCode.failure
        }
    }

    /// Everything `check-config` has to say, built without printing (the tests call this).
    struct Report {
        struct Row: Equatable {
            var flag: String
            var value: String?
            var source: String
        }

        /// `config.yml (from --config.file)`, or nil without a config file.
        var configFile: String?
        /// One row per setting, in catalog order; empty when the config file cannot be read at all.
        var rows: [Row] = []
        /// `web.yml: TLS on (...), basic auth on (2 users)` or `none (plain HTTP, no authentication)`;
        /// nil when the web config could not be checked.
        var web: String?
        var warnings: [String] = []
        var problems: [String] = []

        var text: String {
            var out = "config file: \(configFile ?? "none")\n"
            if !rows.isEmpty {
                let flagWidth = rows.map { $0.flag.count + 2 }.max()!
                let valueWidth = min(48, rows.map { Self.show($0.value).count }.max()!)
                out += "\n" + "SETTING".padding(flagWidth) + "  " + "VALUE".padding(valueWidth) + "  SOURCE\n"
                for row in rows {
                    out += ("--" + row.flag).padding(flagWidth) + "  " + Self.show(row.value).padding(valueWidth) + "  " + row.source + "\n"
                }
            }
            if let web { out += "\nweb config: \(web)\n" }
            for warning in warnings { out += "warning: \(warning)\n" }
            if problems.isEmpty { out += "\nconfiguration OK\n" }
            return out
        }

        var problemText: String {
            problems.map { "problem: \($0)\n" }.joined()
                + "check-config: \(problems.count) problem\(problems.count == 1 ? "" : "s"); serve would not start\n"
        }

        static func show(_ value: String?) -> String {
            switch value {
            case nil: "(unset)"
            case ""?: "(empty)"
            // A field mapping from the config file is many lines; the table names it instead.
            case let value? where value.contains("\n"): "(a field mapping, \(value.split(separator: "\n").count) lines)"
            case let value?: value
            }
        }
    }

    /// `check-config ARGUMENTS` with this environment, without printing.
    static func check(arguments: [String], environment: [String: String]) throws -> Report {
        check(try ServeOptions.parse(arguments), environment: environment)
    }

    static func check(_ options: ServeOptions, environment: [String: String]) -> Report {
        // As `ServeOptions.resolve`: the flag, else the environment.
        let configFile = options.configFile ?? environment["MODEL_EXPORTER_CONFIG_FILE"]
        var report = Report()
        if let configFile {
            report.configFile = configFile + (options.configFile != nil ? " (from --config.file)" : " (from environment variable MODEL_EXPORTER_CONFIG_FILE)")
        }
        let flags = options.given

        var raw: [(spec: SettingSpec, value: String?, source: SettingSource)]
        var webConfigPath: String?
        do {
            let settings = try ExporterSettings.resolve(flags: flags, environment: environment, configFile: configFile)
            raw = settings.raw
            webConfigPath = settings.webConfigFile
        } catch {
            report.problems += error.problems
            // The values as far as they can be read, so the table still shows where each came
            // from. The config file's own problems are already in `error`.
            let fileValues = configFile.flatMap { try? ConfigFile.load(path: $0, environment: environment) }
            if configFile != nil, fileValues == nil {
                raw = []
            } else {
                raw = ExporterSettings.rawValues(flags: flags, environment: environment, fileValues: fileValues ?? [:])
            }
            // An unreadable web config is already among the problems; a readable one is checked below.
            webConfigPath = raw.first { $0.spec.flag == SettingCatalog.webConfigFile.flag }?.value
                .flatMap { $0.isEmpty || !FileManager.default.isReadableFile(atPath: $0) ? nil : $0 }
        }
        report.rows = raw.map { entry in
            let source = switch entry.source {
            case .flag: "flag --\(entry.spec.flag)"
            case .environment: "environment variable \(entry.spec.environmentVariable)"
            case .file: "\(configFile ?? "config file") key \(entry.spec.fileKey)"
            case .default: "default"
            }
            // A password in the replica URL is never printed.
            let value = entry.spec.flag == SettingCatalog.replicaURL.flag ? entry.value.map(ReplicaTarget.redact) : entry.value
            return Report.Row(flag: entry.spec.flag, value: value, source: source)
        }

        if let webConfigPath {
            do {
                let web = try WebSecurity.load(path: webConfigPath)
                report.web = "\(webConfigPath): \(web.summary)"
                report.warnings += web.warnings()
            } catch {
                report.problems += error.messages
            }
        } else if !raw.isEmpty, (raw.first { $0.spec.flag == SettingCatalog.webConfigFile.flag }?.value ?? "").isEmpty {
            report.web = "none (plain HTTP, no authentication)"
        }
        return report
    }
}

private extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
