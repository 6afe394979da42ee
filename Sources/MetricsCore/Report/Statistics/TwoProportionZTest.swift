/// The pooled two-proportion z-test: is the rate of `second` different from that of `first`?
///
/// Under the null hypothesis both samples share one rate, estimated from both together
/// (pooled); z = (p₂ − p₁) / √(p̂(1−p̂)(1/n₁ + 1/n₂)), two-sided p-value from the normal
/// distribution. A large-sample test: the report only runs it with at least `--min-samples`
/// requests per arm.
struct TwoProportionZTest: Sendable, Equatable {
    /// p₂ − p₁.
    var difference: Double
    /// Positive when `second` has the higher rate; 0 when both rates are 0 or both are 1.
    var z: Double
    var pValue: Double

    /// nil when either sample is empty.
    init?(_ first: Proportion, _ second: Proportion) {
        guard first.total > 0, second.total > 0 else { return nil }
        let n1 = Double(first.total), n2 = Double(second.total)
        let p1 = Double(first.count) / n1, p2 = Double(second.count) / n2
        let pooled = Double(first.count + second.count) / (n1 + n2)
        let standardError = (pooled * (1 - pooled) * (1 / n1 + 1 / n2)).squareRoot()
        difference = p2 - p1
        if standardError > 0 {
            z = difference / standardError
            pValue = NormalDistribution.twoSidedPValue(z)
        } else {
            // No events at all, or nothing but events, in both arms: no evidence of a difference.
            z = 0
            pValue = 1
        }
    }
}
