import Foundation
import Testing

@testable import ModelExporter

/// `model-exporter check-config`: the shipped environment files pass, every value's source is
/// shown, every problem is one line, the flags table in docs/configuration.md is the generated
/// one, and `serve` refuses a malformed web config before it listens.
struct CheckConfigTests {
    static let configDirectory = ExporterProcess.packageRoot.appendingPathComponent("config").path

    /// The directories the shipped files take from the environment, made in a scratch
    /// directory, with a web config (TLS and a user) in the config directory.
    struct Host {
        let scratch: ScratchDirectory
        let pki: TestPKI
        var environment: [String: String]

        init() throws {
            scratch = try ScratchDirectory("model-exporter-check-config")
            pki = try TestPKI()
            for name in ["log", "data"] {
                try FileManager.default.createDirectory(atPath: scratch.file(name), withIntermediateDirectories: true)
            }
            _ = try pki.writeWebConfig("""
                tls_server_config:
                  cert_file: server.crt
                  key_file: server.key
                basic_auth_users:
                  prometheus: \(WebConfigTests.hashOfSecret)
                """)
            environment = [
                "MODEL_EXPORTER_LOG_DIR": scratch.file("log"),
                "MODEL_EXPORTER_DATA_DIR": scratch.file("data"),
                "MODEL_EXPORTER_CONFIG_DIR": pki.directory.path,
            ]
        }

        func remove() {
            scratch.remove()
            pki.remove()
        }
    }

    static func check(_ arguments: [String], environment: [String: String]) throws -> CheckConfigCommand.Report {
        try CheckConfigCommand.check(arguments: arguments, environment: environment)
    }

    @Test(arguments: ["dev.yml", "staging.yml", "production.yml"])
    func theShippedEnvironmentFilesPass(name: String) throws {
        let host = try Host()
        defer { host.remove() }
        let file = Self.configDirectory + "/" + name
        let report = try Self.check(["--config.file", file], environment: host.environment)
        #expect(report.problems == [], "\(report.text)")
        #expect(report.text.hasSuffix("\nconfiguration OK\n"))
        // The file, not a default, decides where the data is.
        let calllog = try #require(report.rows.first { $0.flag == "calllog.path" })
        #expect(calllog.value == host.scratch.file("log") + "/calls.jsonl")
        #expect(calllog.source == "\(file) key calllog.path")
        if name != "dev.yml" {
            #expect(report.web?.hasPrefix("\(host.pki.file("web.yml")): TLS on (TLS12+") == true, "\(report.web ?? "nil")")
            #expect(report.web?.hasSuffix("basic auth on (1 user)") == true)
        }
    }

    @Test func productionSetsRetentionCardinalityKnownAgentsWebConfigAndLogLevel() throws {
        let host = try Host()
        defer { host.remove() }
        let file = Self.configDirectory + "/production.yml"
        let settings = try ExporterSettings.resolve(flags: [:], environment: host.environment, configFile: file)
        #expect(settings.retention == 30 * 86400)
        #expect(settings.rollupRetention == 400 * 86400)
        #expect(settings.maxSeries == 1000)
        #expect(settings.knownAgents == ["qa_agent", "content_agent", "legal_agent", "support_agent", "analyst_agent"])
        #expect(settings.webConfigFile == host.pki.file("web.yml"))
        #expect("\(settings.logLevel)" == "info")
        for spec in [SettingCatalog.storageRetention, SettingCatalog.metricsMaxSeries, SettingCatalog.metricsKnownAgents, SettingCatalog.webConfigFile, SettingCatalog.logLevel] {
            #expect(settings.raw.first { $0.spec.flag == spec.flag }?.source == .file, "\(spec.flag)")
        }
    }

    @Test func eachValueShowsWhereItCameFrom() throws {
        let host = try Host()
        defer { host.remove() }
        var environment = host.environment
        environment["MODEL_EXPORTER_LOG_LEVEL"] = "warning"
        let file = Self.configDirectory + "/production.yml"
        let report = try Self.check(["--config.file", file, "--web.listen-address", "127.0.0.1:9999"], environment: environment)
        #expect(report.problems == [])
        func row(_ flag: String) -> CheckConfigCommand.Report.Row? { report.rows.first { $0.flag == flag } }
        #expect(row("web.listen-address") == .init(flag: "web.listen-address", value: "127.0.0.1:9999", source: "flag --web.listen-address"))
        #expect(row("log.level") == .init(flag: "log.level", value: "warning", source: "environment variable MODEL_EXPORTER_LOG_LEVEL"))
        #expect(row("storage.retention") == .init(flag: "storage.retention", value: "30d", source: "\(file) key storage.retention"))
        #expect(row("calllog.max-line-bytes") == .init(flag: "calllog.max-line-bytes", value: "1048576", source: "default"))
        #expect(report.rows.map(\.flag) == SettingCatalog.all.map(\.flag))
        #expect(report.configFile == "\(file) (from --config.file)")
    }

    @Test func everyProblemIsOneLineAndTheTableIsStillShown() throws {
        let host = try Host()
        defer { host.remove() }
        let file = host.scratch.file("broken.yml")
        try Data("""
            storage:
              retention: 30 days
              path: /nonexistent/dir/calls.sqlite
            metrics:
              latency_buckets: [0.5, 0.1, 1]
              max_cardinality: 10
            calllog:
              path: ${MODEL_EXPORTER_LOG_DIR}/calls.jsonl
            """.utf8).write(to: URL(fileURLWithPath: file))
        let report = try Self.check(["--config.file", file], environment: host.environment)
        #expect(report.problems.count == 4, "\(report.problems)")
        #expect(report.problems.contains { $0.hasPrefix("\(file): unknown key \"metrics.max_cardinality\"") })
        #expect(report.problems.contains("\(file) key storage.retention: \"30 days\" is not a duration (examples: 90s, 15m, 2h, 30d, 1w)"))
        #expect(report.problems.contains { $0.hasPrefix("\(file) key storage.path: the directory /nonexistent/dir is not writable") })
        #expect(report.problems.contains { $0.hasPrefix("\(file) key metrics.latency_buckets:") })
        #expect(report.problems.allSatisfy { !$0.contains("\n") })
        #expect(report.rows.count == SettingCatalog.all.count)
        #expect(!report.text.contains("configuration OK"))
        #expect(report.problemText.hasSuffix("check-config: 4 problems; serve would not start\n"))
    }

    @Test func webConfigProblemsAreReportedWithTheOthers() throws {
        let host = try Host()
        defer { host.remove() }
        let web = try host.pki.writeWebConfig("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS11\n")
        let report = try Self.check(["--calllog.path", host.scratch.file("log/calls.jsonl"), "--storage.path", host.scratch.file("data/x.sqlite"),
                                     "--web.config.file", web, "--storage.retention", "1 month"], environment: [:])
        #expect(report.problems == [
            "flag --storage.retention: \"1 month\" is not a duration (examples: 90s, 15m, 2h, 30d, 1w)",
            "web config \(web): tls_server_config.min_version \"TLS11\" is no longer supported: use TLS12 or TLS13",
        ])
    }

    @Test func anUnreadableWebConfigIsOneProblemNotTwo() throws {
        let host = try Host()
        defer { host.remove() }
        let report = try Self.check(["--calllog.path", host.scratch.file("log/calls.jsonl"), "--storage.path", host.scratch.file("data/x.sqlite"),
                                     "--web.config.file", "/nonexistent/web.yml"], environment: [:])
        #expect(report.problems == ["flag --web.config.file: cannot read /nonexistent/web.yml"])
    }

    @Test func withoutAWebConfigTheEndpointIsSaidToBeOpen() throws {
        let host = try Host()
        defer { host.remove() }
        let report = try Self.check(["--calllog.path", host.scratch.file("log/calls.jsonl"), "--storage.path", host.scratch.file("data/x.sqlite")], environment: [:])
        #expect(report.problems == [])
        #expect(report.web == "none (plain HTTP, no authentication)")
        #expect(report.configFile == nil)
    }

    /// docs/configuration.md holds the table between its markers exactly as generated.
    @Test func theDocumentedFlagsTableIsTheGeneratedOne() throws {
        let doc = try String(contentsOf: ExporterProcess.packageRoot.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        let begin = "<!-- BEGIN flags table: generated by `model-exporter check-config --markdown-table`; a test compares -->\n"
        let end = "<!-- END flags table -->"
        let start = try #require(doc.range(of: begin), "docs/configuration.md lacks the BEGIN marker")
        let stop = try #require(doc.range(of: end, range: start.upperBound..<doc.endIndex), "docs/configuration.md lacks the END marker")
        #expect(String(doc[start.upperBound..<stop.lowerBound]) == SettingCatalog.markdownTable,
                "regenerate with: .build/debug/model-exporter check-config --markdown-table")
    }

    @Test func theTableHasOneRowPerSettingAndTheConfigFile() {
        let rows = SettingCatalog.markdownTable.split(separator: "\n").dropFirst(2)
        #expect(rows.count == SettingCatalog.all.count + 1)
        for spec in SettingCatalog.all {
            #expect(rows.contains { $0.hasPrefix("| `--\(spec.flag)` | `\(spec.environmentVariable)` | `\(spec.fileKey)` |") })
        }
    }

    // MARK: - The binary

    @Test func theCommandExitsNonZeroWithOneProblemPerLineOnStderr() async throws {
        let host = try Host()
        defer { host.remove() }
        let result = try await ExporterProcess.run(
            ["check-config", "--calllog.path", "/nonexistent/calls.jsonl", "--metrics.max-series", "none"], in: host.scratch.path)
        #expect(result.exit == .init(status: 1, bySignal: false))
        let problems = result.stderr.split(separator: "\n").filter { $0.hasPrefix("problem: ") }
        #expect(problems == [
            "problem: flag --calllog.path: the directory /nonexistent does not exist",
            "problem: flag --metrics.max-series: \"none\" is not a whole number ≥ 1",
        ])
        let shown = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n")
        #expect(shown.contains { $0.hasPrefix("--calllog.path ") && $0.contains(" /nonexistent/calls.jsonl") }, "\(shown)")
    }

    @Test func theCommandExitsZeroForAGoodConfiguration() async throws {
        let host = try Host()
        defer { host.remove() }
        let result = try await ExporterProcess.run(
            ["check-config", "--config.file", Self.configDirectory + "/production.yml"], in: host.scratch.path, environment: host.environment)
        #expect(result.exit == .success, "\(result.stderr)")
        let text = String(decoding: result.stdout, as: UTF8.self)
        #expect(text.contains("web config: \(host.pki.file("web.yml")): TLS on"))
        #expect(text.hasSuffix("configuration OK\n"))
    }

    @Test func theMarkdownTableFlagIsHiddenAndPrintsTheTable() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let table = try await ExporterProcess.run(["check-config", "--markdown-table"], in: scratch.path)
        #expect(table.exit == .success)
        #expect(String(decoding: table.stdout, as: UTF8.self) == SettingCatalog.markdownTable)
        let help = try await ExporterProcess.run(["check-config", "--help"], in: scratch.path)
        #expect(!String(decoding: help.stdout, as: UTF8.self).contains("markdown"))
    }

    /// The start stops before the listener opens, with the web config's own message.
    @Test(arguments: [
        ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  tls_min: TLS12\n", "tls_server_config: unknown key \"tls_min\""),
        ("tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n", "tls_server_config.cert_file: cannot read"),
        ("basic_auth_users:\n  prometheus: hunter2\n", "basic_auth_users.prometheus: the value is not a bcrypt hash"),
        ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS10\n", "tls_server_config.min_version \"TLS10\" is no longer supported"),
        ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n", "tls_server_config.client_auth_type RequireAndVerifyClientCert needs client_ca_file"),
    ])
    func serveRefusesAMalformedWebConfig(yaml: String, message: String) async throws {
        let host = try Host()
        defer { host.remove() }
        let web = try host.pki.writeWebConfig(yaml)
        let result = try await ExporterProcess.run(
            ["serve", "--calllog.path", host.scratch.file("log/calls.jsonl"), "--storage.path", host.scratch.file("data/calls.sqlite"),
             "--web.listen-address", "127.0.0.1:0", "--web.config.file", web],
            in: host.scratch.path, timeout: 30)
        #expect(result.exit.status != 0 && !result.exit.bySignal, "\(result.exit)")
        #expect(result.stderr.contains("web config \(web): \(message)"), "\(result.stderr)")
        #expect(!result.stderr.contains("hunter2"))
        #expect(ExporterProcess.listeningPort(in: result.stderr) == nil)
        #expect(!FileManager.default.fileExists(atPath: host.scratch.file("data/calls.sqlite")), "nothing is opened before the web config is checked")
    }
}
