import Foundation
import MetricsCore
import Testing

@testable import ModelExporter

/// `ExporterSettings.resolve` in-process: flag > environment > config file > default, `${VAR}`
/// expansion, durations, and every problem reported at once.
struct ExporterSettingsTests {
    /// Where a value can come from, topmost first.
    enum Layer: String, CaseIterable, Sendable {
        case flag, environment, file, `default`
    }

    /// Flags that make resolve succeed (the call log's directory must exist, the database's must be writable).
    static func required(_ dir: ScratchDirectory) -> [String: String] {
        ["calllog.path": dir.file("calls.jsonl"), "storage.path": dir.file("calls.sqlite")]
    }

    static func writeConfig(_ yaml: String, in dir: ScratchDirectory) throws -> String {
        let path = dir.file("config.yml")
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The listen address given on every layer from `top` down: the topmost given one wins.
    @Test(arguments: Layer.allCases)
    func listenAddressComesFromTheTopmostLayerGiven(top: Layer) throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let layers = Layer.allCases.drop { $0 != top }
        var flags = Self.required(dir)
        var environment: [String: String] = [:]
        var configFile: String?
        if layers.contains(.flag) { flags["web.listen-address"] = "127.0.0.1:1001" }
        if layers.contains(.environment) { environment["MODEL_EXPORTER_WEB_LISTEN_ADDRESS"] = "127.0.0.2:1002" }
        if layers.contains(.file) { configFile = try Self.writeConfig("web:\n  listen_address: 127.0.0.3:1003\n", in: dir) }

        let settings = try ExporterSettings.resolve(flags: flags, environment: environment, configFile: configFile)
        let want: (host: String, port: Int) = switch top {
        case .flag: ("127.0.0.1", 1001)
        case .environment: ("127.0.0.2", 1002)
        case .file: ("127.0.0.3", 1003)
        case .default: ("0.0.0.0", 9816)
        }
        #expect(settings.listenHost == want.host)
        #expect(settings.listenPort == want.port)
        let source = settings.raw.first { $0.spec.flag == "web.listen-address" }?.source
        #expect(source?.rawValue == top.rawValue)
    }

    /// Several settings at once, each from a different layer, so that one layer cannot win by accident.
    @Test func eachSettingTakesItsOwnTopmostLayer() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let config = try Self.writeConfig("""
            storage:
              retention: 1h
              batch_lines: 300
            log:
              level: debug
            metrics:
              max_series: 7
              latency_buckets: [0.5, 1, 2]
            """, in: dir)
        var flags = Self.required(dir)
        flags["storage.retention"] = "2h"
        let environment = ["MODEL_EXPORTER_LOG_LEVEL": "error", "MODEL_EXPORTER_STORAGE_BATCH_LINES": "400"]

        let settings = try ExporterSettings.resolve(flags: flags, environment: environment, configFile: config)
        #expect(settings.retention == 7200, "flag over file")
        #expect("\(settings.logLevel)" == "error", "environment over file")
        #expect(settings.batchLines == 400, "environment over file")
        #expect(settings.maxSeries == 7, "file over default")
        #expect(settings.buckets.bounds == [0.5, 1, 2], "a YAML list is a comma-separated value")
        #expect(settings.rollupRetention == 400 * 86400, "default")
        #expect(settings.telemetryPath == "/metrics", "default")
    }

    @Test func budgetsAndKnownErrorTypesReachTheIngestConfiguration() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let path = try Self.writeConfig("cost:\n  budget_hourly: 20\n  budget_daily: 200\nmetrics:\n  known_error_types: timeout, quota\n", in: dir)
        let settings = try ExporterSettings.resolve(flags: Self.required(dir), environment: [:], configFile: path)
        #expect(settings.ingestConfiguration.costBudgets == CostBudgets(hourly: 20, daily: 200))
        #expect(settings.ingestConfiguration.knownErrorTypes == ["timeout", "quota"])
        // Unset: no budget, and the gateway's four error classes.
        let plain = try ExporterSettings.resolve(flags: Self.required(dir), environment: [:], configFile: nil)
        #expect(plain.ingestConfiguration.costBudgets == CostBudgets())
        #expect(plain.ingestConfiguration.knownErrorTypes == ["timeout", "rate_limited", "server_error", "context_length_exceeded"])
    }

    @Test func aBadBudgetIsOneProblemEach() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        var flags = Self.required(dir)
        flags["cost.budget-hourly"] = "-5"
        flags["cost.budget-daily"] = "lots"
        do {
            _ = try ExporterSettings.resolve(flags: flags, environment: [:], configFile: nil)
            Issue.record("bad budgets must be refused")
        } catch {
            #expect(error.problems.count == 2, "\(error.problems)")
            #expect(error.problems.contains { $0.contains("--cost.budget-hourly") && $0.contains("-5") })
            #expect(error.problems.contains { $0.contains("--cost.budget-daily") && $0.contains("lots") })
        }
        flags["cost.budget-hourly"] = "20"
        flags["cost.budget-daily"] = "10"
        #expect(throws: ConfigurationError.self) { try ExporterSettings.resolve(flags: flags, environment: [:], configFile: nil) }
    }

    @Test func environmentVariableAndFileKeyNames() {
        #expect(SettingCatalog.webListenAddress.environmentVariable == "MODEL_EXPORTER_WEB_LISTEN_ADDRESS")
        #expect(SettingCatalog.webListenAddress.fileKey == "web.listen_address")
        #expect(SettingCatalog.metricsBuckets.environmentVariable == "MODEL_EXPORTER_METRICS_LATENCY_BUCKETS")
    }

    @Test func configFileValuesExpandEnvironmentVariables() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let config = try Self.writeConfig("""
            calllog:
              path: ${LOG_DIR}/calls.jsonl
            storage:
              path: "${LOG_DIR}/db-${NAME}.sqlite"
            """, in: dir)
        let settings = try ExporterSettings.resolve(
            flags: [:], environment: ["LOG_DIR": dir.path, "NAME": "blue"], configFile: config)
        #expect(settings.calllogPath == dir.path + "/calls.jsonl")
        #expect(settings.storagePath == dir.path + "/db-blue.sqlite")
    }

    @Test func expansionOfPlainAndUnterminatedText() throws {
        #expect(try ConfigFile.expand("no variables", environment: [:]).get() == "no variables")
        #expect(try ConfigFile.expand("${A}${B}-${A}", environment: ["A": "x", "B": "y"]).get() == "xy-x")
        #expect(try ConfigFile.expand("${A}", environment: ["A": ""]).get() == "", "set but empty is a value")
        #expect(try ConfigFile.expand("cost: $5 ${unterminated", environment: [:]).get() == "cost: $5 ${unterminated")
        if case .failure(let missing) = ConfigFile.expand("${NOPE}/x", environment: [:]) {
            #expect(missing.name == "NOPE")
        } else {
            Issue.record("an unset variable expanded")
        }
    }

    @Test func unsetVariableInTheConfigFileIsAnError() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let config = try Self.writeConfig("calllog:\n  path: ${MISSING_LOG_DIR}/calls.jsonl\n", in: dir)
        let problems = Self.problems { () throws(ConfigurationError) -> ExporterSettings in
            try ExporterSettings.resolve(flags: ["storage.path": dir.file("calls.sqlite")], environment: [:], configFile: config)
        }
        #expect(problems.count == 1)
        #expect(problems.first?.contains("MISSING_LOG_DIR") == true && problems.first?.contains("calllog.path") == true, "\(problems)")
    }

    /// `path:` with nothing after it is YAML null. It must not become a setting's value: today
    /// the call log becomes the relative path `<null>` and serve follows a file of that name.
    @Test func emptyValueInTheConfigFileIsNotTheTextNull() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let config = try Self.writeConfig("calllog:\n  path:\n", in: dir)
        do {
            let settings = try ExporterSettings.resolve(
                flags: ["storage.path": dir.file("calls.sqlite")], environment: [:], configFile: config)
            Issue.record("resolved with calllog.path = \(settings.calllogPath.debugDescription) from an empty YAML value")
        } catch {
            #expect(error.description.contains("calllog.path"), "\(error)")
        }
    }

    @Test func severalProblemsAreReportedAtOnce() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        var flags = Self.required(dir)
        flags["metrics.latency-buckets"] = "1,0.5"
        flags["storage.retention"] = "3x"
        flags["log.level"] = "loud"
        let environment = ["MODEL_EXPORTER_WEB_LISTEN_ADDRESS": "no-port", "MODEL_EXPORTER_STORAGE_BATCH_LINES": "0"]
        let problems = Self.problems { () throws(ConfigurationError) -> ExporterSettings in
            try ExporterSettings.resolve(flags: flags, environment: environment, configFile: nil)
        }
        #expect(problems.count == 5, "\(problems)")
        for fragment in ["--metrics.latency-buckets", "--storage.retention", "--log.level",
                         "MODEL_EXPORTER_WEB_LISTEN_ADDRESS", "MODEL_EXPORTER_STORAGE_BATCH_LINES"] {
            #expect(problems.contains { $0.contains(fragment) }, "no problem names \(fragment): \(problems)")
        }
    }

    @Test(arguments: [
        ("90s", 90.0), ("15m", 900), ("2h", 7200), ("30d", 2_592_000), ("1w", 604_800),
        ("1h30m", 5400), ("500ms", 0.5), ("1m30s", 90), (" 2h ", 7200), ("1.5h", 5400),
    ])
    func durationParses(text: String, seconds: Double) {
        #expect(DurationText.seconds(text) == seconds)
    }

    @Test(arguments: ["", "3x", "h", "90", "1h30", "-5m", "1 h", "ms", "1.2.3s", "5mss"])
    func durationRejects(text: String) {
        #expect(DurationText.seconds(text) == nil, "\(text.debugDescription) parsed as \(String(describing: DurationText.seconds(text)))")
    }

    /// The problems of a resolve that must fail; records an issue if it succeeds.
    static func problems(_ resolve: () throws(ConfigurationError) -> ExporterSettings) -> [String] {
        do {
            let settings = try resolve()
            Issue.record("resolved, with calllog \(settings.calllogPath); want an error")
            return []
        } catch {
            return error.problems
        }
    }
}
