import FleetReplica
import Foundation
import Logging
import MetricsCore
import Yams

/// Where a setting's value came from, for `check-config`.
enum SettingSource: String, Sendable {
    case flag, environment, file, `default`
}

/// The effective settings of `serve`, resolved with the precedence flag > environment >
/// config file > default, and validated: every problem is collected and reported at once.
struct ExporterSettings: Sendable {
    var listenHost: String
    var listenPort: Int
    var telemetryPath: String
    var webConfigFile: String?
    var calllogPath: String
    var format: CallLogFormat
    var maxLineBytes: Int
    var rotationGrace: Double
    var storagePath: String
    var retention: Double
    var rollupRetention: Double
    var batchLines: Int
    var maxSeries: Int
    var buckets: LatencyBuckets
    var knownAgents: [String]
    var knownErrorTypes: [String]
    /// Spend budgets in US dollars; nil when not set (no budget series is exported then).
    var budgetHourly: Double?
    var budgetDaily: Double?
    var logLevel: Logger.Level
    /// Shipping to the fleet's PostgreSQL; nil when `replica.url` is not set.
    var replica: ReplicaConfiguration?

    /// Each setting's raw value and source.
    var raw: [(spec: SettingSpec, value: String?, source: SettingSource)]
    /// Bounds of model_time_to_first_token_seconds (`--metrics.ttft-buckets`).
    var ttftBuckets: LatencyBuckets = .timeToFirstToken

    /// - Parameters:
    ///   - flags: values given on the command line, by flag name.
    ///   - configFile: path of the YAML file (`--config.file`), if any.
    static func resolve(flags: [String: String], environment: [String: String], configFile: String?) throws(ConfigurationError) -> ExporterSettings {
        var problems: [String] = []
        var fileValues: [String: String] = [:]
        if let configFile {
            do {
                fileValues = try ConfigFile.load(path: configFile, environment: environment)
            } catch {
                throw ConfigurationError(error.problems)
            }
            let known = Set(SettingCatalog.all.map(\.fileKey))
            for key in fileValues.keys.sorted() where !known.contains(key) {
                problems.append("\(configFile): unknown key \"\(key)\" (known keys: \(known.sorted().joined(separator: ", ")))")
            }
        }
        let raw = rawValues(flags: flags, environment: environment, fileValues: fileValues)
        func value(_ spec: SettingSpec) -> (String?, String) {
            let entry = raw.first { $0.spec.flag == spec.flag }!
            let origin = switch entry.source {
            case .flag: "flag --\(spec.flag)"
            case .environment: "environment variable \(spec.environmentVariable)"
            case .file: "\(configFile ?? "config file") key \(spec.fileKey)"
            case .default: "default of --\(spec.flag)"
            }
            return (entry.value, origin)
        }
        func string(_ spec: SettingSpec) -> String { value(spec).0 ?? "" }
        func integer(_ spec: SettingSpec, min lower: Int) -> Int {
            let (text, origin) = value(spec)
            guard let text, let number = Int(text.trimmingCharacters(in: .whitespaces)), number >= lower else {
                problems.append("\(origin): \"\(text ?? "")\" is not a whole number ≥ \(lower)")
                return lower
            }
            return number
        }
        func dollars(_ spec: SettingSpec) -> Double? {
            let (text, origin) = value(spec)
            guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
            guard let amount = Double(text.trimmingCharacters(in: .whitespaces)), amount.isFinite, amount > 0 else {
                problems.append("\(origin): \"\(text)\" is not an amount of US dollars > 0 (example: 200)")
                return nil
            }
            return amount
        }
        func duration(_ spec: SettingSpec) -> Double {
            let (text, origin) = value(spec)
            guard let text, let seconds = DurationText.seconds(text), seconds > 0 else {
                problems.append("\(origin): \"\(text ?? "")\" is not a duration (examples: 90s, 15m, 2h, 30d, 1w)")
                return 1
            }
            return seconds
        }

        // Listen address.
        var host = "0.0.0.0"
        var port = 9816
        let (addressText, addressOrigin) = value(SettingCatalog.webListenAddress)
        if let address = addressText, let colon = address.lastIndex(of: ":"), let parsed = Int(address[address.index(after: colon)...]), (0...65535).contains(parsed) {
            let hostPart = String(address[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            host = hostPart.isEmpty ? "0.0.0.0" : hostPart
            port = parsed
        } else {
            problems.append("\(addressOrigin): \"\(addressText ?? "")\" is not host:port or :port")
        }

        let telemetryPath = string(SettingCatalog.webTelemetryPath)
        if !telemetryPath.hasPrefix("/") || telemetryPath == "/" || telemetryPath.hasPrefix("/health") {
            problems.append("\(value(SettingCatalog.webTelemetryPath).1): \"\(telemetryPath)\" must start with / and not clash with / or /health")
        }

        let webConfig = value(SettingCatalog.webConfigFile).0.flatMap { $0.isEmpty ? nil : $0 }
        if let webConfig, !FileManager.default.isReadableFile(atPath: webConfig) {
            problems.append("\(value(SettingCatalog.webConfigFile).1): cannot read \(webConfig)")
        }

        let calllogPath = string(SettingCatalog.calllogPath)
        if calllogPath.isEmpty {
            problems.append("the call log is not set: give --calllog.path FILE (or MODEL_EXPORTER_CALLLOG_PATH, or calllog.path in the config file)")
        } else {
            let directory = URL(fileURLWithPath: calllogPath).deletingLastPathComponent().path
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue {
                problems.append("\(value(SettingCatalog.calllogPath).1): the directory \(directory) does not exist")
            }
        }

        let storagePath = string(SettingCatalog.storagePath)
        let storageDirectory = URL(fileURLWithPath: storagePath).deletingLastPathComponent().path
        if storagePath.isEmpty {
            problems.append("\(value(SettingCatalog.storagePath).1): give a file path for the database")
        } else if !FileManager.default.isWritableFile(atPath: storageDirectory) {
            problems.append("\(value(SettingCatalog.storagePath).1): the directory \(storageDirectory) is not writable (the database and its WAL live there)")
        }

        var format = CallLogFormat.default
        let (formatText, formatOrigin) = value(SettingCatalog.calllogFormat)
        do {
            format = try Self.format(formatText ?? CallLogFormat.defaultName)
        } catch {
            problems += error.problems.map { "\(formatOrigin): \($0)" }
        }

        let (pricingText, pricingOrigin) = value(SettingCatalog.calllogPricing)
        switch ModelPricing.parse(pricingText ?? "") {
        case let .success(pricing): format.pricing = pricing
        case let .failure(error): problems += error.problems.map { "\(pricingOrigin): \($0)" }
        }

        let maxLineBytes = integer(SettingCatalog.calllogMaxLineBytes, min: 1024)
        let rotationGrace = duration(SettingCatalog.calllogRotationGrace)
        let retention = duration(SettingCatalog.storageRetention)
        let rollupRetention = duration(SettingCatalog.storageRollupRetention)
        if rollupRetention < retention {
            problems.append("--storage.rollup-retention (\(string(SettingCatalog.storageRollupRetention))) must be at least --storage.retention (\(string(SettingCatalog.storageRetention)))")
        }
        let batchLines = integer(SettingCatalog.storageBatchLines, min: 1)
        let maxSeries = integer(SettingCatalog.metricsMaxSeries, min: 1)

        var buckets = LatencyBuckets.default
        let (bucketText, bucketOrigin) = value(SettingCatalog.metricsBuckets)
        let parts = (bucketText ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let bounds = parts.compactMap(Double.init)
        if bounds.count != parts.count {
            problems.append("\(bucketOrigin): \"\(bucketText ?? "")\" is not a comma-separated list of numbers")
        } else {
            do {
                buckets = try LatencyBuckets(bounds: bounds)
            } catch {
                problems.append("\(bucketOrigin): \(error)")
            }
        }

        var ttftBuckets = LatencyBuckets.timeToFirstToken
        let (ttftText, ttftOrigin) = value(SettingCatalog.metricsTTFTBuckets)
        do { ttftBuckets = try LatencyBuckets(list: ttftText ?? "") } catch { problems.append("\(ttftOrigin): \(error)") }

        let knownAgents = string(SettingCatalog.metricsKnownAgents).split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }

        let knownErrorTypes = string(SettingCatalog.metricsKnownErrorTypes).split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let budgetHourly = dollars(SettingCatalog.costBudgetHourly)
        let budgetDaily = dollars(SettingCatalog.costBudgetDaily)
        if let budgetHourly, let budgetDaily, budgetDaily < budgetHourly {
            problems.append("--cost.budget-daily (\(budgetDaily)) is below --cost.budget-hourly (\(budgetHourly)): a day holds 24 hours")
        }

        let (levelText, levelOrigin) = value(SettingCatalog.logLevel)
        var logLevel = Logger.Level.info
        if let levelText, let level = Logger.Level(rawValue: levelText.lowercased()) {
            logLevel = level
        } else {
            problems.append("\(levelOrigin): \"\(levelText ?? "")\" is not a log level (trace, debug, info, notice, warning, error, critical)")
        }

        var replica: ReplicaConfiguration?
        let (replicaText, replicaOrigin) = value(SettingCatalog.replicaURL)
        let passwordFile = value(SettingCatalog.replicaPasswordFile).0.flatMap { $0.isEmpty ? nil : $0 }
        if let replicaText, !replicaText.trimmingCharacters(in: .whitespaces).isEmpty {
            do {
                let target = try ReplicaTarget(url: replicaText, passwordFile: passwordFile)
                let instanceText = value(SettingCatalog.replicaInstance).0.flatMap { $0.isEmpty ? nil : $0 }
                let instance = instanceText ?? ProcessInfo.processInfo.hostName
                replica = ReplicaConfiguration(target: target, instance: instance, storagePath: storagePath)
                if let retentionText = value(SettingCatalog.replicaRetention).0, !retentionText.isEmpty {
                    replica?.retentionDays = Int((duration(SettingCatalog.replicaRetention) / 86400).rounded(.up))
                }
            } catch {
                // The error text never holds the password: ReplicaTarget words its own messages.
                problems.append("\(replicaOrigin): \(error)")
            }
        } else if passwordFile != nil {
            problems.append("--replica.password-file is set but --replica.url is not: give the URL of the PostgreSQL to ship to")
        }

        if !problems.isEmpty { throw ConfigurationError(problems) }
        return ExporterSettings(
            listenHost: host, listenPort: port, telemetryPath: telemetryPath, webConfigFile: webConfig,
            calllogPath: calllogPath, format: format, maxLineBytes: maxLineBytes, rotationGrace: rotationGrace, storagePath: storagePath,
            retention: retention, rollupRetention: rollupRetention, batchLines: batchLines, maxSeries: maxSeries,
            buckets: buckets, knownAgents: knownAgents, knownErrorTypes: knownErrorTypes,
            budgetHourly: budgetHourly, budgetDaily: budgetDaily, logLevel: logLevel, replica: replica, raw: raw,
            ttftBuckets: ttftBuckets)
    }

    /// A format name, or a mapping: the config file's `calllog.format:` table arrives here as
    /// YAML text (ConfigFile keeps that one subtree whole).
    static func format(_ text: String) throws(FormatMappingError) -> CallLogFormat {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.contains("\n") || trimmed.contains(":") {
            return try CallLogFormat(yaml: trimmed)
        }
        return try CallLogFormat.named(trimmed)
    }

    /// Each setting's raw value and source, by the precedence flag > environment > file >
    /// default, before any validation (`check-config` shows them even when some are invalid).
    static func rawValues(flags: [String: String], environment: [String: String], fileValues: [String: String])
        -> [(spec: SettingSpec, value: String?, source: SettingSource)] {
        SettingCatalog.all.map { spec -> (spec: SettingSpec, value: String?, source: SettingSource) in
            if let value = flags[spec.flag] { return (spec, value, .flag) }
            if let value = environment[spec.environmentVariable] { return (spec, value, .environment) }
            if let value = fileValues[spec.fileKey] { return (spec, value, .file) }
            return (spec, spec.defaultValue, .default)
        }
    }

    var ingestConfiguration: IngestConfiguration {
        var configuration = IngestConfiguration(calllogPath: calllogPath)
        configuration.format = format
        configuration.maxLineBytes = maxLineBytes
        configuration.batchLines = batchLines
        configuration.buckets = buckets
        configuration.ttftBuckets = ttftBuckets
        configuration.limits = LabelLimits(maxSeries: maxSeries)
        configuration.knownSeries = knownAgents.map { SeriesKey(agent: $0, model: "", variant: "") }
        configuration.knownErrorTypes = knownErrorTypes
        configuration.costBudgets = CostBudgets(hourly: budgetHourly, daily: budgetDaily)
        configuration.rotationGrace = rotationGrace
        configuration.retention = RetentionPolicy(raw: retention, rollups: rollupRetention)
        configuration.version = ExporterVersion.current
        return configuration
    }
}

/// Durations as Prometheus writes them: `90s`, `15m`, `2h`, `30d`, `1w`, `1h30m`, and `500ms`.
enum DurationText {
    static func seconds(_ text: String) -> Double? {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return nil }
        var total = 0.0
        var number = ""
        var index = text.startIndex
        while index < text.endIndex {
            let c = text[index]
            if c.isNumber || c == "." {
                number.append(c)
                index = text.index(after: index)
                continue
            }
            var unit = String(c)
            let next = text.index(after: index)
            if c == "m", next < text.endIndex, text[next] == "s" { unit = "ms"; index = next }
            guard let value = Double(number) else { return nil }
            let scale: Double
            switch unit {
            case "ms": scale = 0.001
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            case "d": scale = 86400
            case "w": scale = 604_800
            case "y": scale = 31_536_000
            default: return nil
            }
            total += value * scale
            number = ""
            index = text.index(after: index)
        }
        guard number.isEmpty else { return nil }
        return total
    }
}
