/// The labels that identify one model series: which agent asked which model, in which A/B arm.
public struct SeriesKey: Hashable, Sendable, Comparable {
    public var agent: String
    public var model: String
    public var variant: String

    public init(agent: String, model: String, variant: String) {
        self.agent = agent
        self.model = model
        self.variant = variant
    }

    /// Where label values go once the label-set bound is reached.
    public static let overflow = SeriesKey(agent: "other", model: "other", variant: "other")

    public static func < (lhs: SeriesKey, rhs: SeriesKey) -> Bool {
        (lhs.agent, lhs.model, lhs.variant) < (rhs.agent, rhs.model, rhs.variant)
    }
}
