extension SettingCatalog {
    /// The first-token histogram's bounds. Kept apart from the latency buckets' spec so the
    /// two histograms can be tuned alone; a change on an existing database rebuilds the
    /// histogram from the stored calls (`CallStore.rebuildTimeToFirstToken`), never mixes bounds.
    static let metricsTTFTBuckets = SettingSpec(flag: "metrics.ttft-buckets",
        defaultValue: "0.001,0.005,0.01,0.02,0.04,0.06,0.08,0.1,0.25,0.5,0.75,1,2.5,5,7.5,10",
        help: "Upper bounds in seconds of the model_time_to_first_token_seconds histogram (default: OpenTelemetry's advice plus 0.75; keep 2.5, the HighTimeToFirstToken threshold); a change rebuilds it from the stored calls.")
}
