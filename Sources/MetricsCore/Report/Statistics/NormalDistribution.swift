import Foundation

/// The standard normal distribution, for the large-sample tests of the A/B report.
///
/// Built on the C library's `erfc` rather than `1 - erf` or a polynomial approximation: the
/// p-values that matter are small, and `1 - Φ(z)` computed by subtraction loses every digit
/// below 1e-16 while `erfc` keeps full relative precision far into the tail.
enum NormalDistribution {
    /// The 97.5th percentile: the z of a two-sided 95% interval or a test at α = 0.05.
    static let z975 = 1.959963984540054

    /// Φ(x) = P(Z ≤ x).
    static func cdf(_ x: Double) -> Double {
        0.5 * erfc(-x / 2.0.squareRoot())
    }

    /// P(|Z| ≥ |z|) = 2 · (1 − Φ(|z|)): the two-sided p-value of a z statistic.
    static func twoSidedPValue(_ z: Double) -> Double {
        guard !z.isNaN else { return 1 }
        return min(1, erfc(abs(z) / 2.0.squareRoot()))
    }
}
