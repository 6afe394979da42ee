import Testing
@testable import MetricsCore

/// The aggregator's side of the store boundary: it restores plain totals keyed by series and
/// hands back only what changed, with no notion of how or where they are stored.
@Suite struct CallAggregatorTests {
    func call(agent: String, success: Bool = true) -> CallRecord {
        CallRecord(timestamp: 1_764_000_000, agent: agent, model: "m", success: success, latencyMs: 120)
    }

    /// Past the series bound a new label set folds into `other`, and every one of its lines is
    /// counted as folded, however often it repeats (the series index's recent answers must not
    /// skip the count); a known series keeps its own index.
    @Test func everyLineOfAFoldedSeriesIsCountedAndKnownSeriesKeepTheirOwn() {
        var aggregator = CallAggregator(buckets: .default, limits: LabelLimits(maxSeries: 2))
        aggregator.add(call(agent: "qa_agent"))
        aggregator.add(call(agent: "legal_agent"))
        for _ in 0..<3 { aggregator.add(call(agent: "support_agent")) }
        for _ in 0..<4 { aggregator.add(call(agent: "qa_agent")) }
        #expect(aggregator.counters.foldedLines["series"] == 3)
        let series = Dictionary(uniqueKeysWithValues: aggregator.takeChanges().series.map { ($0.key.agent, $0.totals.requestsSuccess) })
        #expect(series == ["qa_agent": 5, "legal_agent": 1, "other": 3])
    }

    @Test func restoredSeriesAreCleanAndOnlyChangedOnesAreHandedBack() {
        var first = CallAggregator(buckets: .default, limits: LabelLimits())
        first.add(call(agent: "qa_agent"))
        first.add(call(agent: "legal_agent", success: false))
        let saved = first.takeChanges()
        #expect(saved.series.map(\.key.agent).sorted() == ["legal_agent", "qa_agent"])
        #expect(saved.counters?.acceptedLines == 2)

        var restored = CallAggregator(buckets: .default, limits: LabelLimits())
        restored.restore(RunningTotals(series: saved.series, counters: saved.counters ?? ExporterCounters()))
        let nothing = restored.takeChanges()
        #expect(nothing.series.isEmpty)
        #expect(nothing.counters == nil)

        restored.add(call(agent: "qa_agent"))
        let changed = restored.takeChanges()
        #expect(changed.series.map(\.key.agent) == ["qa_agent"])
        #expect(changed.series.first?.totals.requestsSuccess == 2)
        #expect(changed.counters?.acceptedLines == 3)
        #expect(restored.takeChanges().series.isEmpty)
    }

    @Test func markAllDirtyHandsBackEverySeriesAndTheCounters() {
        var aggregator = CallAggregator(buckets: .default, limits: LabelLimits())
        aggregator.add(call(agent: "a"))
        aggregator.add(call(agent: "b"))
        _ = aggregator.takeChanges()
        aggregator.markAllDirty()
        let changes = aggregator.takeChanges()
        #expect(changes.series.count == 2)
        #expect(changes.counters != nil)
    }
}
