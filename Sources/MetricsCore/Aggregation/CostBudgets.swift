/// The team's spend budgets in US dollars, as the gateway's configuration caps spend
/// (production: $20 per hour, $200 per day). Exported as `model_exporter_cost_budget_usd` so the
/// budget alerts compare spend with the configured figure instead of a number in PromQL.
package struct CostBudgets: Sendable, Equatable {
    package var hourly: Double?
    package var daily: Double?

    package init(hourly: Double? = nil, daily: Double? = nil) {
        self.hourly = hourly
        self.daily = daily
    }
}
