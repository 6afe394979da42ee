import ArgumentParser

/// The flags of `serve` (and `demo`, `check-config`): one per `SettingCatalog` entry, with
/// exporter-style dotted names. All optional: an absent flag leaves the setting to the
/// environment, the config file or the default.
struct ServeOptions: ParsableArguments {
    @Option(name: .customLong("config.file"), help: "YAML file with settings (flag > environment > file > default).")
    var configFile: String?

    @Option(name: .customLong("web.listen-address"), help: ArgumentHelp(SettingCatalog.webListenAddress.help))
    var webListenAddress: String?

    @Option(name: .customLong("web.telemetry-path"), help: ArgumentHelp(SettingCatalog.webTelemetryPath.help))
    var webTelemetryPath: String?

    @Option(name: .customLong("web.config.file"), help: ArgumentHelp(SettingCatalog.webConfigFile.help))
    var webConfigFile: String?

    @Option(name: .customLong("calllog.path"), help: ArgumentHelp(SettingCatalog.calllogPath.help))
    var calllogPath: String?

    @Option(name: .customLong("calllog.format"), help: ArgumentHelp(SettingCatalog.calllogFormat.help))
    var calllogFormat: String?

    @Option(name: .customLong("calllog.pricing"), help: ArgumentHelp(SettingCatalog.calllogPricing.help))
    var calllogPricing: String?

    @Option(name: .customLong("calllog.max-line-bytes"), help: ArgumentHelp(SettingCatalog.calllogMaxLineBytes.help))
    var calllogMaxLineBytes: String?

    @Option(name: .customLong("calllog.rotation-grace"), help: ArgumentHelp(SettingCatalog.calllogRotationGrace.help))
    var calllogRotationGrace: String?

    @Option(name: .customLong("storage.path"), help: ArgumentHelp(SettingCatalog.storagePath.help))
    var storagePath: String?

    @Option(name: .customLong("storage.retention"), help: ArgumentHelp(SettingCatalog.storageRetention.help))
    var storageRetention: String?

    @Option(name: .customLong("storage.rollup-retention"), help: ArgumentHelp(SettingCatalog.storageRollupRetention.help))
    var storageRollupRetention: String?

    @Option(name: .customLong("storage.batch-lines"), help: ArgumentHelp(SettingCatalog.storageBatchLines.help))
    var storageBatchLines: String?

    @Option(name: .customLong("metrics.max-series"), help: ArgumentHelp(SettingCatalog.metricsMaxSeries.help))
    var metricsMaxSeries: String?

    @Option(name: .customLong("metrics.latency-buckets"), help: ArgumentHelp(SettingCatalog.metricsBuckets.help))
    var metricsLatencyBuckets: String?

    @Option(name: .customLong("metrics.known-agents"), help: ArgumentHelp(SettingCatalog.metricsKnownAgents.help))
    var metricsKnownAgents: String?

    @Option(name: .customLong("metrics.known-error-types"), help: ArgumentHelp(SettingCatalog.metricsKnownErrorTypes.help))
    var metricsKnownErrorTypes: String?

    @Option(name: .customLong("cost.budget-hourly"), help: ArgumentHelp(SettingCatalog.costBudgetHourly.help))
    var costBudgetHourly: String?

    @Option(name: .customLong("cost.budget-daily"), help: ArgumentHelp(SettingCatalog.costBudgetDaily.help))
    var costBudgetDaily: String?

    @Option(name: .customLong("log.level"), help: ArgumentHelp(SettingCatalog.logLevel.help))
    var logLevel: String?

    @Option(name: .customLong("metrics.ttft-buckets"), help: ArgumentHelp(SettingCatalog.metricsTTFTBuckets.help))
    var metricsTTFTBuckets: String?

    @Option(name: .customLong("replica.url"), help: ArgumentHelp(SettingCatalog.replicaURL.help))
    var replicaURL: String?

    @Option(name: .customLong("replica.password-file"), help: ArgumentHelp(SettingCatalog.replicaPasswordFile.help))
    var replicaPasswordFile: String?

    @Option(name: .customLong("replica.instance"), help: ArgumentHelp(SettingCatalog.replicaInstance.help))
    var replicaInstance: String?

    @Option(name: .customLong("replica.retention"), help: ArgumentHelp(SettingCatalog.replicaRetention.help))
    var replicaRetention: String?

    /// The flags given, keyed by flag name.
    var given: [String: String] {
        let pairs: [(SettingSpec, String?)] = [
            (SettingCatalog.webListenAddress, webListenAddress),
            (SettingCatalog.webTelemetryPath, webTelemetryPath),
            (SettingCatalog.webConfigFile, webConfigFile),
            (SettingCatalog.calllogPath, calllogPath),
            (SettingCatalog.calllogFormat, calllogFormat),
            (SettingCatalog.calllogPricing, calllogPricing),
            (SettingCatalog.calllogMaxLineBytes, calllogMaxLineBytes),
            (SettingCatalog.calllogRotationGrace, calllogRotationGrace),
            (SettingCatalog.storagePath, storagePath),
            (SettingCatalog.storageRetention, storageRetention),
            (SettingCatalog.storageRollupRetention, storageRollupRetention),
            (SettingCatalog.storageBatchLines, storageBatchLines),
            (SettingCatalog.metricsMaxSeries, metricsMaxSeries),
            (SettingCatalog.metricsBuckets, metricsLatencyBuckets),
            (SettingCatalog.metricsKnownAgents, metricsKnownAgents),
            (SettingCatalog.metricsKnownErrorTypes, metricsKnownErrorTypes),
            (SettingCatalog.costBudgetHourly, costBudgetHourly),
            (SettingCatalog.costBudgetDaily, costBudgetDaily),
            (SettingCatalog.logLevel, logLevel),
            (SettingCatalog.metricsTTFTBuckets, metricsTTFTBuckets),
            (SettingCatalog.replicaURL, replicaURL),
            (SettingCatalog.replicaPasswordFile, replicaPasswordFile),
            (SettingCatalog.replicaInstance, replicaInstance),
            (SettingCatalog.replicaRetention, replicaRetention),
        ]
        var result: [String: String] = [:]
        for (spec, value) in pairs { if let value { result[spec.flag] = value } }
        return result
    }

    func resolve(environment: [String: String]) throws -> ExporterSettings {
        do {
            return try ExporterSettings.resolve(flags: given, environment: environment,
                                                configFile: configFile ?? environment["MODEL_EXPORTER_CONFIG_FILE"])
        } catch {
            throw ValidationError(error.description)
        }
    }
}
