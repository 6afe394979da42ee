/// Every setting of `model-exporter serve`, once: its flag, environment variable, config-file
/// key, default and meaning. Flags, `check-config` and the README's flags table all come from
/// this list, so they cannot drift apart.
struct SettingSpec: Sendable {
    /// Exporter-style dotted flag name without the dashes: `web.listen-address`.
    let flag: String
    let defaultValue: String?
    let help: String

    /// `MODEL_EXPORTER_WEB_LISTEN_ADDRESS`.
    var environmentVariable: String {
        "MODEL_EXPORTER_" + String(flag.uppercased().map { $0 == "." || $0 == "-" ? "_" : $0 })
    }

    /// `web.listen_address`: nested keys in the YAML file (`web:` then `listen_address:`).
    var fileKey: String {
        String(flag.map { $0 == "-" ? "_" : $0 })
    }
}

enum SettingCatalog {
    static let webListenAddress = SettingSpec(flag: "web.listen-address", defaultValue: ":9816",
        help: "Address to listen on for /metrics, /health and /: host:port, :port for all interfaces.")
    static let webTelemetryPath = SettingSpec(flag: "web.telemetry-path", defaultValue: "/metrics",
        help: "Path under which to expose metrics.")
    static let webConfigFile = SettingSpec(flag: "web.config.file", defaultValue: nil,
        help: "Exporter-toolkit web config (TLS, basic auth), as node_exporter reads it.")
    static let calllogPath = SettingSpec(flag: "calllog.path", defaultValue: nil,
        help: "The gateway's JSONL call log to follow (tail -F).")
    static let calllogFormat = SettingSpec(flag: "calllog.format", defaultValue: "model-exporter",
        help: "The log's format: model-exporter, litellm, envoy-ai-gateway, kong-ai-gateway, otel-genai, or (in the config file) a field mapping; see docs/formats.md and `model-exporter inspect`.")
    static let calllogPricing = SettingSpec(flag: "calllog.pricing", defaultValue: "",
        help: "US dollars per million input/output tokens by model, MODEL=IN/OUT,... (config file: a table MODEL: {input: IN, output: OUT}); prices records of formats that log no cost.")
    static let calllogMaxLineBytes = SettingSpec(flag: "calllog.max-line-bytes", defaultValue: "1048576",
        help: "Lines longer than this many bytes are quarantined as too_long.")
    static let calllogRotationGrace = SettingSpec(flag: "calllog.rotation-grace", defaultValue: "2s",
        help: "How long a renamed-away log is still read after its last write.")
    static let storagePath = SettingSpec(flag: "storage.path", defaultValue: "model-exporter.sqlite",
        help: "SQLite database holding calls, quarantined lines, read positions and totals.")
    static let storageRetention = SettingSpec(flag: "storage.retention", defaultValue: "30d",
        help: "Keep raw calls and quarantined lines this long.")
    static let storageRollupRetention = SettingSpec(flag: "storage.rollup-retention", defaultValue: "400d",
        help: "Keep hourly rollups this long.")
    static let storageBatchLines = SettingSpec(flag: "storage.batch-lines", defaultValue: "10000",
        help: "Lines per transaction.")
    static let metricsMaxSeries = SettingSpec(flag: "metrics.max-series", defaultValue: "1000",
        help: "Bound on (agent, model, variant) combinations; past it new values fold into \"other\".")
    static let metricsBuckets = SettingSpec(flag: "metrics.latency-buckets", defaultValue: "0.05,0.1,0.25,0.5,1,2.5,5,7.5,10,15,30,60",
        help: "Upper bounds in seconds of the model_request_duration_seconds histogram.")
    static let metricsKnownAgents = SettingSpec(flag: "metrics.known-agents", defaultValue: "",
        help: "Comma-separated agent names whose series exist at zero from the start.")
    static let metricsKnownErrorTypes = SettingSpec(flag: "metrics.known-error-types",
        defaultValue: "timeout,rate_limited,server_error,context_length_exceeded",
        help: "Comma-separated error classes whose model_errors_total series exist at zero from a series' first line, so rate() sees the first error of a class.")
    static let costBudgetHourly = SettingSpec(flag: "cost.budget-hourly", defaultValue: nil,
        help: "Hourly spend budget in US dollars, exported as model_exporter_cost_budget_usd{period=\"hour\"} for the budget alerts.")
    static let costBudgetDaily = SettingSpec(flag: "cost.budget-daily", defaultValue: nil,
        help: "Daily spend budget in US dollars, exported as model_exporter_cost_budget_usd{period=\"day\"}; DailyBudgetAtRisk warns hours before it is spent, DailyBudgetExceeded pages once it is.")
    static let logLevel = SettingSpec(flag: "log.level", defaultValue: "info",
        help: "Log level: trace, debug, info, notice, warning, error, critical.")

    static let all: [SettingSpec] = [
        webListenAddress, webTelemetryPath, webConfigFile, calllogPath, calllogFormat, calllogPricing, calllogMaxLineBytes, calllogRotationGrace,
        storagePath, storageRetention, storageRollupRetention, storageBatchLines, metricsMaxSeries, metricsBuckets,
        metricsKnownAgents, metricsKnownErrorTypes, costBudgetHourly, costBudgetDaily, logLevel, metricsTTFTBuckets,
    ] + replica
}
