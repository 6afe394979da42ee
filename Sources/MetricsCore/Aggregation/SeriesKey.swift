/// The labels that identify one model series: which agent asked which model, in which A/B arm.
package struct SeriesKey: Hashable, Sendable, Comparable {
    package var agent: String
    package var model: String
    package var variant: String

    package init(agent: String, model: String, variant: String) {
        self.agent = agent
        self.model = model
        self.variant = variant
    }

    /// Where label values go once the label-set bound is reached.
    package static let overflow = SeriesKey(agent: "other", model: "other", variant: "other")

    package static func < (lhs: SeriesKey, rhs: SeriesKey) -> Bool {
        (lhs.agent, lhs.model, lhs.variant) < (rhs.agent, rhs.model, rhs.variant)
    }
}
