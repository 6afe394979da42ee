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
    private var filled: [Bool]
    /// Keys are not optional, so a lookup can compare the stored key where it lies (an
    /// `Optional` would be copied out first: a retain and a release of each of its strings,
    /// on objects the reader thread retains at the same time).
    private var keys: [Key]
    private var values: [Value?]
    private let placeholder: Key

    /// `placeholder` fills the empty slots; it is never an answer.
    init(placeholder: Key) {
        self.placeholder = placeholder
        hashes = Array(repeating: 0, count: Self.slotCount)
        filled = Array(repeating: false, count: Self.slotCount)
        keys = Array(repeating: placeholder, count: Self.slotCount)
        values = Array(repeating: nil, count: Self.slotCount)
    }

    /// The value remembered for `key`, whose `hash` is `RecentLabels.hash` of its text.
    @inline(__always)
    func value(for key: Key, hash: UInt64) -> Value? {
        value(hash: hash) { $0 == key }
    }

    /// The value remembered for the key `matches` accepts among those remembered under `hash`,
    /// for a caller that has the key's parts but not the key.
    @inline(__always)
    func value(hash: UInt64, matching matches: (Key) -> Bool) -> Value? {
        let slot = Self.slot(hash)
        if filled[slot], hashes[slot] == hash, matches(keys[slot]) { return values[slot] }
        if filled[slot | 1], hashes[slot | 1] == hash, matches(keys[slot | 1]) { return values[slot | 1] }
        return nil
    }

    /// Remembers `value` for `key`; the older of the bucket's two entries gives way.
    mutating func remember(_ value: Value, for key: Key, hash: UInt64) {
        let slot = Self.slot(hash)
        hashes[slot | 1] = hashes[slot]
        filled[slot | 1] = filled[slot]
        keys[slot | 1] = keys[slot]
        values[slot | 1] = values[slot]
        hashes[slot] = hash
        filled[slot] = true
        keys[slot] = key
        values[slot] = value
    }

    mutating func removeAll() {
        for slot in 0..<Self.slotCount {
            hashes[slot] = 0
            filled[slot] = false
            keys[slot] = placeholder
            values[slot] = nil
        }
    }

    @inline(__always)
    private static func slot(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: hash ^ (hash >> 17)) & (slotCount &- 1) & ~1
    }
}

extension RecentLabels {
    /// A fast, non-cryptographic hash of a string's UTF-8 bytes (StringInterner's).
    @inline(__always)
    static func hash(_ text: String) -> UInt64 {
        text.utf8.withContiguousStorageIfAvailable { bytes -> UInt64 in
            guard let base = bytes.baseAddress else { return 0 }
            return StringInterner.hash(UnsafeRawPointer(base), count: bytes.count)
        } ?? UInt64(bitPattern: Int64(text.hashValue))
    }
}

extension RecentLabels: Sendable where Key: Sendable, Value: Sendable {}
