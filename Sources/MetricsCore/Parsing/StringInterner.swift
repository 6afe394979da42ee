// StringInterner: CallLogParser's bounded string cache (see CallLogParser.swift).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Interning

/// A small direct-mapped cache from bytes to the `String` made of them last time, two slots per
/// hash bucket. Bounded in both entry count and entry length, so it needs no eviction policy
/// beyond overwriting.
struct StringInterner {
    static let slotCount = 512
    /// Up to 15 UTF-8 bytes a `String` is stored inline and costs no allocation to make.
    static let minimumLength = 16
    static let maximumLength = 128

    private var hashes: [UInt64]
    private var strings: [String]

    init() {
        hashes = Array(repeating: 0, count: Self.slotCount)
        strings = Array(repeating: "", count: Self.slotCount)
    }

    /// The bytes (valid UTF-8) as a `String`, shared with earlier calls for the same bytes.
    mutating func string(_ bytes: UnsafeRawBufferPointer) -> String {
        let count = bytes.count
        guard count >= Self.minimumLength, count <= Self.maximumLength, let base = bytes.baseAddress else {
            return Self.makeString(bytes)
        }
        let hash = Self.hash(base, count: count)
        let slot = Int(truncatingIfNeeded: hash) & (Self.slotCount &- 1) & ~1
        if hashes[slot] == hash, Self.equals(strings[slot], base, count: count) {
            return strings[slot]
        }
        if hashes[slot | 1] == hash, Self.equals(strings[slot | 1], base, count: count) {
            return strings[slot | 1]
        }
        let made = Self.makeString(bytes)
        hashes[slot | 1] = hashes[slot]
        strings[slot | 1] = strings[slot]
        hashes[slot] = hash
        strings[slot] = made
        return made
    }

    @inline(__always)
    static func makeString(_ bytes: UnsafeRawBufferPointer) -> String {
        bytes.withMemoryRebound(to: UInt8.self) { String(decoding: $0, as: UTF8.self) }
    }

    @inline(__always)
    private static func equals(_ string: String, _ base: UnsafeRawPointer, count: Int) -> Bool {
        string.utf8.withContiguousStorageIfAvailable { stored in
            guard stored.count == count, let storedBase = stored.baseAddress else { return false }
            return memcmp(storedBase, base, count) == 0
        } ?? false
    }

    /// The same hash of a string's UTF-8 bytes: `RecentLabels`'s key hash.
    @inline(__always)
    static func hash(_ text: String) -> UInt64 {
        text.utf8.withContiguousStorageIfAvailable { bytes -> UInt64 in
            guard let base = bytes.baseAddress else { return 0 }
            return hash(UnsafeRawPointer(base), count: bytes.count)
        } ?? UInt64(bitPattern: Int64(text.hashValue))
    }

    /// Eight bytes per multiply; the cache only needs spread, not resistance to attack (a
    /// collision costs a miss, nothing more).
    @inline(__always)
    static func hash(_ base: UnsafeRawPointer, count: Int) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: count)
        var index = 0
        while count &- index >= 8 {
            let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            hash = (hash ^ word) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 32
            index &+= 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while index < count {
            tail |= UInt64(base.load(fromByteOffset: index, as: UInt8.self)) << shift
            shift &+= 8
            index &+= 1
        }
        hash = (hash ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return hash ^ (hash >> 29)
    }
}
