/// A count out of a total (errors out of requests), with its Wilson score interval.
///
/// Wilson rather than the textbook p ± z·√(p(1−p)/n) (Wald): Wald's interval collapses to a
/// point at 0 or n events and undercovers badly for rates near 0 or 1, which is exactly where
/// error rates live; Wilson's stays inside [0, 1] and keeps close to its nominal coverage.
struct Proportion: Sendable, Equatable {
    var count: Int
    var total: Int

    init(count: Int, total: Int) {
        self.count = count
        self.total = total
    }

    /// count / total; nil when there is nothing to divide by.
    var rate: Double? {
        total > 0 ? Double(count) / Double(total) : nil
    }

    /// The Wilson score interval at `z` (1.96 for 95%); nil when total is 0.
    func wilsonInterval(z: Double = NormalDistribution.z975) -> ClosedRange<Double>? {
        guard total > 0 else { return nil }
        let n = Double(total)
        let p = Double(count) / n
        let z2 = z * z
        let denominator = 1 + z2 / n
        let center = (p + z2 / (2 * n)) / denominator
        let half = z / denominator * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        return max(0, center - half)...min(1, center + half)
    }
}
