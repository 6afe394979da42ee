import ArgumentParser
import Foundation
import MetricsCore

/// `model-exporter inspect`: which format a log is in, before `serve` is pointed at it. Tries
/// every format (or the one given) on the first and last lines of the log and says which fits,
/// what each field holds, why lines were refused, and the config to run with.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Find the format of a call log: try every preset on a sample and print the config to run with.",
        discussion: "Exit 0 when a format accepts at least 90% of the sampled lines, 1 when none does, 2 on bad flags or an unreadable file.")

    @Option(name: .customLong("calllog.path"), help: "The call log to sample.")
    var calllogPath: String

    @Option(name: .customLong("calllog.format"), help: "Try only this format (a preset name) instead of all of them.")
    var calllogFormat: String?

    @Option(name: .customLong("config.file"), help: "Also try the field mapping under calllog.format in this config file.")
    var configFile: String?

    @Option(help: "Lines to sample from each end of the log.")
    var sample = 2000

    func validate() throws {
        guard sample > 0 else { throw ValidationError("--sample must be a positive number of lines") }
    }

    func run() throws {
        let lines: [FormatInspection.SampledLine]
        switch FormatInspection.sample(path: calllogPath, count: sample) {
        case let .success(found): lines = found
        case let .failure(error): throw ValidationError(error.message)
        }
        var formats: [CallLogFormat] = []
        do {
            if let configFile {
                let values = try ConfigFile.load(path: configFile, environment: ProcessInfo.processInfo.environment)
                if let text = values[SettingCatalog.calllogFormat.fileKey] {
                    formats.append(try ExporterSettings.format(text))
                }
            }
            if let calllogFormat {
                formats.append(try ExporterSettings.format(calllogFormat))
            } else if formats.isEmpty {
                formats = try CallLogFormat.allNames.map { name throws(FormatMappingError) in try CallLogFormat.named(name) }
            }
        } catch let error as ConfigFile.LoadError {
            throw ValidationError(error.problems.joined(separator: "\n"))
        } catch {
            throw ValidationError("\(error)")
        }
        let inspection = FormatInspection(sample: lines, formats: formats)
        print(InspectReport(inspection: inspection, path: calllogPath, sampled: lines.count, configFile: configFile).text, terminator: "")
        guard let best = inspection.best, best.lines > 0, best.acceptedShare >= FormatInspection.fitThreshold else {
            throw ExitCode(1)
        }
    }
}
