/// Bounds on label values taken from the log, so that a gateway bug (an agent name with a
/// request id in it, say) cannot create unbounded series and exhaust memory. Past a bound,
/// new values fold into `other`; `model_exporter_folded_lines_total{label}` counts it.
package struct LabelLimits: Sendable, Equatable {
    /// Distinct (agent, model, variant) combinations.
    package var maxSeries: Int
    /// Distinct `error_type` values across all series.
    package var maxErrorTypes: Int
    /// Distinct `fallback_model` values across all series.
    package var maxFallbackModels: Int

    package init(maxSeries: Int = 1000, maxErrorTypes: Int = 100, maxFallbackModels: Int = 100) {
        self.maxSeries = maxSeries
        self.maxErrorTypes = maxErrorTypes
        self.maxFallbackModels = maxFallbackModels
    }
}
