import ArgumentParser
import FleetReplica
import Foundation
import MetricsCore

/// `model-exporter report`: per agent, the fine-tuned model against its baseline over a
/// window, with a recommendation (the rule is on ``ABReport``). Reads the database read-only,
/// so it is safe while `serve` runs.
///
/// The exit code is the worst recommendation, for a rollout script to gate on: 0 proceed,
/// 3 hold, 4 roll back. 1 is a usage error in a flag's value, 2 a failure to read the
/// database; the argument parser itself answers an unknown flag or a missing value with 64
/// (EX_USAGE). Only 0, 3 and 4 are recommendations.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "A/B report: each agent's fine-tuned model against its baseline, with proceed / hold / roll back.",
        discussion: """
            Roll back when the fine-tuned arm is significantly worse (two-sided p < 0.05) on success \
            rate or first-attempt error rate (pooled two-proportion z-test), or on latency (Mann-Whitney U) \
            with its p95 more than 20% above the baseline's. Hold when either arm has fewer than \
            --min-samples requests, or when the fine-tuned cost per request is more than --max-cost-increase \
            (default 0.2, i.e. 20%) above the baseline's. Proceed otherwise. With --rollout.current-percent \
            (10, 25, 50 or 100), a proceed names the next stage of 10 → 25 → 50 → 100. docs/report.md has the details.

            Exit status: 0 proceed, 3 hold, 4 roll back (the worst over the agents); 1 a bad flag value, \
            2 the database could not be read, 64 an unknown flag.

            Times (--since, --until) are a duration back from now (90s, 30m, 24h, 7d), an RFC 3339 time \
            (2026-11-27T07:00:00Z) or epoch seconds. The window is [since, until).
            """)

    /// Exit codes besides the recommendations'.
    enum Exit {
        static let usage: Int32 = 1
        static let failure: Int32 = 2
    }

    // Values are read as text and checked here rather than by the argument parser, so that a
    // bad value exits 1 (usage) and not 64, which a gate could mistake for something else.
    @Option(help: "Start of the window: a duration back from now (24h, 7d), an RFC 3339 time or epoch seconds.")
    var since = "24h"

    @Option(help: "End of the window, exclusive; same forms as --since, or now. (default: now)")
    var until: String?

    @Option(help: "Only this agent.")
    var agent: String?

    @Option(help: "markdown (a terminal or a PR comment) or json (machines).")
    var format = "markdown"

    @Option(name: .customLong("storage.path"),
            help: "The exporter's database (default: $MODEL_EXPORTER_STORAGE_PATH, else \(SettingCatalog.storagePath.defaultValue ?? "")).")
    var storagePath: String?

    @Option(name: .customLong("storage.url"),
            help: "The fleet's PostgreSQL replica instead of a local database: postgres://USER[:PASSWORD]@HOST:5432/DATABASE?sslmode=disable (the exporters' --replica.url). Every instance's calls, or --instance's.")
    var storageURL: String?

    @Option(name: .customLong("storage.password-file"), help: "With --storage.url: read the password from this file's first line (wins over one in the URL).")
    var storagePasswordFile: String?

    @Option(help: "With --storage.url: only this instance's calls (its --replica.instance).")
    var instance: String?

    @Option(name: .customLong("min-samples"), help: "Requests each arm needs before anything is tested.")
    var minSamples = "\(ABReport.defaultMinimumSamples)"

    // Unconditional, so that `--max-cost-increase -0.1` reaches the check below (one clear
    // error, exit 1) instead of reading as an unknown flag.
    @Option(name: .customLong("max-cost-increase"), parsing: .unconditional,
            help: "Share above the baseline's cost per request beyond which the fine-tuned arm holds (0.2: 20%).")
    var maxCostIncrease = "\(ABReport.defaultMaximumCostIncrease)"

    @Option(name: .customLong("rollout.current-percent"),
            help: "The fine-tuned model's current share of traffic, 10, 25, 50 or 100: a proceed names the next stage.")
    var rolloutCurrentPercent: String?

    enum Format: String, CaseIterable {
        case markdown, json
    }

    /// The checked flags.
    struct Request {
        var since: Double
        var until: Double
        var format: Format
        var minimumSamples: Int
        var maximumCostIncrease: Double
        var rolloutStage: RolloutStage?
    }

    func validate() throws {
        _ = try request(now: WallClock.now())
    }

    func run() throws {
        let request = try request(now: WallClock.now())
        let path = DatabaseLocation.path(flag: storagePath, environment: ProcessInfo.processInfo.environment)
        let report: ABReport
        do throws(ReportFailure) {
            if let fleet = (try? fleet()) ?? nil {
                report = try Self.load(from: fleet, request: request, agent: agent)
            } else {
                let connection = try Self.open(path)
                report = try Self.load(from: connection, path: path, request: request, agent: agent)
            }
        } catch {
            Self.write(to: .standardError, "Error: \(error.description)\n")
            throw ExitCode(Exit.failure)
        }
        switch request.format {
        case .markdown: Self.write(to: .standardOutput, report.markdown())
        case .json: FileHandle.standardOutput.write(Data(report.json()))
        }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }

    // MARK: Flags

    /// The flags checked, with one `now` so that `--since 24h` is exactly a day. A problem is
    /// printed as `Error: …` and exits 1.
    func request(now: Double) throws -> Request {
        func usage(_ message: String) -> ExitCode {
            Self.write(to: .standardError, "Error: \(message)\nUsage: model-exporter report [--since 24h] [--until T] [--agent A] "
                + "[--format markdown|json] [--storage.path FILE | --storage.url postgres://… [--instance NAME]] [--min-samples N] [--max-cost-increase 0.2] "
                + "[--rollout.current-percent 10|25|50|100]\n")
            return ExitCode(Exit.usage)
        }
        let window: TimeWindow
        do throws(TimeWindowError) {
            window = try TimeWindow(since: since, until: until, now: now, example: "24h")
        } catch {
            throw usage(error.description)
        }
        guard let format = Format(rawValue: format) else {
            throw usage("--format \"\(format)\" is neither markdown nor json")
        }
        guard let minimum = Int(minSamples.trimmingCharacters(in: .whitespaces)), minimum >= 1 else {
            throw usage("--min-samples \"\(minSamples)\" is not a whole number ≥ 1")
        }
        guard let costIncrease = Double(maxCostIncrease.trimmingCharacters(in: .whitespaces)), costIncrease.isFinite, costIncrease >= 0 else {
            throw usage("--max-cost-increase \"\(maxCostIncrease)\" is not a finite share ≥ 0 (0.2 allows 20% above the baseline's cost per request)")
        }
        var stage: RolloutStage?
        if let rolloutCurrentPercent {
            guard let percent = Int(rolloutCurrentPercent.trimmingCharacters(in: .whitespaces)), let known = RolloutStage(percent: percent) else {
                throw usage("--rollout.current-percent \"\(rolloutCurrentPercent)\" is not one of 10, 25, 50, 100")
            }
            stage = known
        }
        do throws(FleetFlagsProblem) {
            _ = try fleet()
        } catch {
            throw usage(error.message)
        }
        if let agent, agent.isEmpty { throw usage("--agent is empty: give an agent name, or leave the flag out for all agents") }
        return Request(since: window.since, until: window.until, format: format, minimumSamples: minimum,
                       maximumCostIncrease: costIncrease, rolloutStage: stage)
    }

    // MARK: Database

    static func open(_ path: String) throws(ReportFailure) -> SQLiteConnection {
        do throws(DatabaseOpeningError) {
            return try DatabaseLocation.openReadOnly(path, checkReadable: false)
        } catch {
            throw ReportFailure(error.description)
        }
    }

    static func load(from connection: SQLiteConnection, path: String, request: Request, agent: String?) throws(ReportFailure) -> ABReport {
        do {
            return try ABReport.load(from: connection, since: request.since, until: request.until, agent: agent,
                                     minimumSamples: request.minimumSamples, maximumCostIncrease: request.maximumCostIncrease,
                                     rolloutStage: request.rolloutStage)
        } catch {
            if error.message.hasPrefix("no such table") || error.message.hasPrefix("no such column") {
                throw ReportFailure("\(path) is not a model-exporter database of this version (\(error.message)): check --storage.path")
            }
            if error.code & 0xff == 8 || error.code & 0xff == 23 {
                // SQLITE_READONLY / SQLITE_AUTH: a WAL database whose exporter is stopped has no
                // -shm file, and a reader must create one in the database's directory.
                throw ReportFailure("cannot read \(path): SQLite must create \(path)-shm while the exporter is stopped, "
                    + "and this user cannot write to its directory; run as the database's owner or root")
            }
            throw ReportFailure("reading \(path) failed: \(error.message)")
        }
    }

    static func write(to handle: FileHandle, _ text: String) {
        handle.write(Data(text.utf8))
    }
}

/// The report could not be made, with what to do about it (exit 2).
struct ReportFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
