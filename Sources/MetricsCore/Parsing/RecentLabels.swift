// RecentLabels: a small cache in front of a Dictionary keyed by label text, for the lookups
// ingest makes on every row (a label's `labels` key in the store, a series' index in the
// aggregator). Written by hand because what it buys is skipping the standard Hasher:
// Dictionary<String, _> hashes every key with SipHash-1-3 (DoS-resistant, and therefore ~4%
// of ingest's CPU at five label lookups a row, perf 2026-12-04), while the same few label
// values repeat on every line. The Dictionary stays the source of truth; this only remembers
// answers it gave.

/// A direct-mapped cache, two slots per bucket, from a key to the value the caller's
/// dictionary holds for it. Bounded (`slotCount` entries, overwritten on collision), so
/// hostile input can only make it miss, never grow; a miss costs what the lookup cost before.
/// The caller clears it whenever its dictionary forgets or changes an answer.
struct RecentLabels<Key: Equatable, Value> {
    static var slotCount: Int { 64 }

    private var hashes: [UInt64]
    /// Keys are not optional, so a lookup can compare the stored key where it lies (an
    /// `Optional` would be copied out first: a retain and a release of each of its strings,
    /// on objects the reader thread retains at the same time).
    private var keys: [Key]
    /// nil: the slot is empty.
    private var values: [Value?]
    private let placeholder: Key

    /// `placeholder` fills the empty slots; it is never an answer.
    init(placeholder: Key) {
        self.placeholder = placeholder
        hashes = Array(repeating: 0, count: Self.slotCount)
        keys = Array(repeating: placeholder, count: Self.slotCount)
        values = Array(repeating: nil, count: Self.slotCount)
    }

    /// The value remembered for `key`, whose `hash` is `StringInterner.hash` of its text.
    @inline(__always)
    func value(for key: Key, hash: UInt64) -> Value? {
        value(hash: hash) { $0 == key }
    }

    /// The value remembered for the key `matches` accepts among those remembered under `hash`,
    /// for a caller that has the key's parts but not the key.
    @inline(__always)
    func value(hash: UInt64, matching matches: (Key) -> Bool) -> Value? {
        let slot = Self.slot(hash)
        if hashes[slot] == hash, let value = values[slot], matches(keys[slot]) { return value }
        if hashes[slot | 1] == hash, let value = values[slot | 1], matches(keys[slot | 1]) { return value }
        return nil
    }

    /// Remembers `value` for `key`; the older of the bucket's two entries gives way.
    mutating func remember(_ value: Value, for key: Key, hash: UInt64) {
        let slot = Self.slot(hash)
        hashes[slot | 1] = hashes[slot]
        keys[slot | 1] = keys[slot]
        values[slot | 1] = values[slot]
        hashes[slot] = hash
        keys[slot] = key
        values[slot] = value
    }

    mutating func removeAll() {
        for slot in 0..<Self.slotCount {
            hashes[slot] = 0
            keys[slot] = placeholder
            values[slot] = nil
        }
    }

    @inline(__always)
    private static func slot(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: hash ^ (hash >> 17)) & (slotCount &- 1) & ~1
    }
}

extension RecentLabels: Sendable where Key: Sendable, Value: Sendable {}
