/// The Mann–Whitney U test (Wilcoxon rank-sum): does one sample tend to have larger values
/// than the other? For latency, whose distribution is skewed with a long tail, it is the
/// right test where a t-test on means would be driven by a few slow outliers.
///
/// Normal approximation with the tie correction and a continuity correction of ½ (as
/// `scipy.stats.mannwhitneyu(method="asymptotic")` does), which is accurate for the sample
/// sizes the report requires (≥ 200 per arm by default) and costs one pass over the sorted
/// values: mean n₁n₂/2, variance n₁n₂/12 · ((n+1) − Σ(t³−t)/(n(n−1))) over tie groups of size t.
///
/// Values are fed as groups of equal values in ascending order, each group with how many
/// of its values belong to each sample, so the same code ranks raw latencies (groups of
/// mostly one) and histogram buckets (groups of thousands, all tied).
struct MannWhitneyUTest: Sendable, Equatable {
    /// U of the second sample: the number of (first, second) pairs in which the second value
    /// is larger, ties counting ½.
    var u: Double
    var z: Double
    var pValue: Double
    /// U / (n₁n₂): the chance that a random value of the second sample exceeds one of the
    /// first (ties ½). 0.5 means neither tends to be larger.
    var probabilitySecondLarger: Double

    /// Groups of equal values in ascending value order: (count in first, count in second).
    /// nil when either sample is empty.
    init?(groups: some Sequence<(first: Int, second: Int)>) {
        var n1 = 0.0, n2 = 0.0
        var rankSumSecond = 0.0
        var below = 0.0
        var tieTerm = 0.0
        for group in groups {
            let a = Double(group.first), b = Double(group.second)
            let t = a + b
            guard t > 0 else { continue }
            // Every value of the group gets the average of the ranks below + 1 ... below + t.
            let averageRank = below + (t + 1) / 2
            rankSumSecond += b * averageRank
            // Doubles: t³ for a histogram bucket of millions overflows Int.
            tieTerm += t * t * t - t
            below += t
            n1 += a
            n2 += b
        }
        guard n1 > 0, n2 > 0 else { return nil }
        let n = n1 + n2
        u = rankSumSecond - n2 * (n2 + 1) / 2
        let mean = n1 * n2 / 2
        let variance = n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
        probabilitySecondLarger = u / (n1 * n2)
        if variance > 0 {
            let distance = max(0, abs(u - mean) - 0.5)
            z = (u >= mean ? distance : -distance) / variance.squareRoot()
            pValue = NormalDistribution.twoSidedPValue(z)
        } else {
            // Every value equal: nothing to tell the samples apart.
            z = 0
            pValue = 1
        }
    }

    /// Two samples, each sorted ascending. Sorting is the caller's (once per arm); this is a
    /// merge, O(n₁ + n₂).
    init?(sortedFirst first: [Double], sortedSecond second: [Double]) {
        self.init(groups: TieGroups(first, second))
    }
}

/// Walks two ascending arrays together, yielding each distinct value's count in each.
private struct TieGroups: Sequence, IteratorProtocol {
    let first: [Double]
    let second: [Double]
    var i = 0
    var j = 0

    init(_ first: [Double], _ second: [Double]) {
        self.first = first
        self.second = second
    }

    mutating func next() -> (first: Int, second: Int)? {
        guard i < first.count || j < second.count else { return nil }
        let value = Swift.min(i < first.count ? first[i] : .infinity, j < second.count ? second[j] : .infinity)
        var a = 0, b = 0
        while i < first.count && first[i] == value { a += 1; i += 1 }
        while j < second.count && second[j] == value { b += 1; j += 1 }
        return (a, b)
    }
}
