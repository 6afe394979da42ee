/// The latencies of one arm over the report window: every raw call's latency, plus per-bucket
/// counts for the hours that retention has already rolled up (their single latencies are gone).
///
/// Percentiles are exact (nearest rank) while the window lies within raw retention; once any
/// rolled-up hour is in it they are estimated from the merged histogram by linear
/// interpolation within the bucket, as Prometheus's `histogram_quantile` does, and
/// `isEstimated` says so.
struct LatencySample: Sendable {
    /// Raw latencies in milliseconds, ascending.
    var sortedMilliseconds: [Double] = []
    /// Rolled-up calls per bucket: upper bound in seconds (`.infinity` for +Inf) → count.
    var rolledUpBuckets: [Double: Int] = [:]

    var rolledUpCount: Int { rolledUpBuckets.values.reduce(0, +) }
    var count: Int { sortedMilliseconds.count + rolledUpCount }
    var isEstimated: Bool { rolledUpCount > 0 }

    /// The q-quantile in seconds (q in 0...1); nil when there are no calls. Estimated from
    /// buckets when this sample has rolled-up hours or `comparedWith` has (so that two arms
    /// are always measured the same way, with the same bounds); exact otherwise.
    func quantile(_ q: Double, comparedWith other: LatencySample? = nil) -> Double? {
        let otherBounds = other.map { Set($0.rolledUpBuckets.keys) } ?? []
        if !isEstimated && !(other?.isEstimated ?? false) {
            return Self.nearestRank(sortedMilliseconds, q).map { $0 / 1000 }
        }
        return Self.histogramQuantile(q, buckets: mergedBuckets(extraBounds: otherBounds))
    }

    /// The smallest value with at least q of the sample at or below it.
    static func nearestRank(_ sorted: [Double], _ q: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((q * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// Raw latencies counted into the rolled-up hours' buckets, then both together, ascending
    /// by bound (+Inf always last). When hours were rolled up with different bounds, the union of
    /// bounds is used, and the estimate is only as fine as the coarsest hour. `extraBounds` adds
    /// bounds, so that two samples can be bucketed alike.
    func mergedBuckets(extraBounds: Set<Double> = []) -> [(upperSeconds: Double, count: Int)] {
        let bounds = Set(rolledUpBuckets.keys).union(extraBounds).union([.infinity]).sorted()
        var counts = bounds.map { rolledUpBuckets[$0] ?? 0 }
        var b = 0
        // Both ascending: one merge pass. The last bound is +Inf, so every value finds a bucket.
        for milliseconds in sortedMilliseconds {
            let seconds = milliseconds / 1000
            while seconds > bounds[b] { b += 1 }
            counts[b] += 1
        }
        return zip(bounds, counts).map { ($0, $1) }
    }

    /// Linear interpolation within the bucket holding rank q·n; the +Inf bucket answers with
    /// the highest finite bound (the estimate cannot say more).
    static func histogramQuantile(_ q: Double, buckets: [(upperSeconds: Double, count: Int)]) -> Double? {
        let total = buckets.reduce(0) { $0 + $1.count }
        guard total > 0 else { return nil }
        let rank = q * Double(total)
        var cumulative = 0.0
        var lower = 0.0
        for bucket in buckets {
            let next = cumulative + Double(bucket.count)
            if next >= rank && bucket.count > 0 {
                if bucket.upperSeconds.isInfinite { return lower }
                return lower + (bucket.upperSeconds - lower) * (rank - cumulative) / Double(bucket.count)
            }
            cumulative = next
            if bucket.upperSeconds.isFinite { lower = bucket.upperSeconds }
        }
        return lower
    }

    /// The Mann–Whitney test of `other` against this sample: on the raw values when neither
    /// has rolled-up hours, else on bucket indexes (calls in one bucket tie), which is still a
    /// valid rank test, only a coarser one.
    func mannWhitney(against other: LatencySample) -> MannWhitneyUTest? {
        if !isEstimated && !other.isEstimated {
            return MannWhitneyUTest(sortedFirst: sortedMilliseconds, sortedSecond: other.sortedMilliseconds)
        }
        let a = mergedBuckets(extraBounds: Set(other.rolledUpBuckets.keys))
        let b = other.mergedBuckets(extraBounds: Set(rolledUpBuckets.keys))
        return MannWhitneyUTest(groups: zip(a, b).map { (first: $0.count, second: $1.count) })
    }
}
