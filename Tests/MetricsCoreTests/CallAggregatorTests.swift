import Testing
@testable import MetricsCore

/// The aggregator's side of the store boundary: it restores plain totals keyed by series and
/// hands back only what changed, with no notion of how or where they are stored.
@Suite struct CallAggregatorTests {
    func call(agent: String, success: Bool = true) -> CallRecord {
        CallRecord(timestamp: 1_764_000_000, agent: agent, model: "m", success: success, latencyMs: 120)
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
