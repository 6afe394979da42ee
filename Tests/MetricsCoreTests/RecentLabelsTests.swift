import Testing
@testable import MetricsCore

/// `RecentLabels` only ever answers what it was told, for the key it was told it about: equal
/// text made separately (not the same String storage) hits, a different key with the same
/// hash misses, overwritten and cleared entries miss.
@Suite struct RecentLabelsTests {
    typealias Cache = RecentLabels<String, Int>

    @Test func answersWhatItWasToldForEqualTextAndNothingElse() {
        var cache = Cache(placeholder: "")
        let long = "ft:gpt-4o-mini:acme:support-v3"
        cache.remember(7, for: long, hash: StringInterner.hash(long))
        cache.remember(8, for: "qa_agent", hash: StringInterner.hash("qa_agent"))
        // Built byte by byte: equal text in other storage.
        let rebuilt = String(decoding: Array(long.utf8), as: UTF8.self)
        #expect(cache.value(for: rebuilt, hash: StringInterner.hash(rebuilt)) == 7)
        #expect(cache.value(for: "qa_agent", hash: StringInterner.hash("qa_agent")) == 8)
        #expect(cache.value(for: "legal_agent", hash: StringInterner.hash("legal_agent")) == nil)
        #expect(StringInterner.hash(rebuilt) == StringInterner.hash(long))
    }

    @Test func aKeyWithTheSameHashIsNotTakenForAnother() {
        var cache = Cache(placeholder: "")
        cache.remember(1, for: "a", hash: 42)
        #expect(cache.value(for: "b", hash: 42) == nil)
        #expect(cache.value(for: "a", hash: 42) == 1)
    }

    @Test func aBucketKeepsTwoEntriesAndTheOldestGivesWay() {
        var cache = Cache(placeholder: "")
        // One bucket: the slot is taken from the hash alone.
        cache.remember(1, for: "one", hash: 64)
        cache.remember(2, for: "two", hash: 64)
        #expect(cache.value(for: "one", hash: 64) == 1)
        #expect(cache.value(for: "two", hash: 64) == 2)
        cache.remember(3, for: "three", hash: 64)
        #expect(cache.value(for: "one", hash: 64) == nil)
        #expect(cache.value(for: "two", hash: 64) == 2)
        #expect(cache.value(for: "three", hash: 64) == 3)
    }

    @Test func removeAllForgetsEverything() {
        var cache = Cache(placeholder: "")
        for n in 0..<200 { cache.remember(n, for: "label_\(n)", hash: StringInterner.hash("label_\(n)")) }
        cache.removeAll()
        #expect((0..<200).allSatisfy { cache.value(for: "label_\($0)", hash: StringInterner.hash("label_\($0)")) == nil })
    }

    @Test func manyKeysNeverGiveAWrongAnswer() {
        var cache = Cache(placeholder: "")
        for n in 0..<5_000 {
            let key = "error_class_\(n % 700)"
            if let known = cache.value(for: key, hash: StringInterner.hash(key)) {
                #expect(known == n % 700)
            } else {
                cache.remember(n % 700, for: key, hash: StringInterner.hash(key))
            }
        }
    }
}
