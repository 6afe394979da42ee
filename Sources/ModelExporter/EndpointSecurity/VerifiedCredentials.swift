import Crypto
import Synchronization

/// The credentials that passed bcrypt recently, so that a scraper sending the same user and
/// password every 15 s costs one bcrypt (about 100 ms of CPU at cost 10) per process, not one
/// per scrape. exporter-toolkit caches the same way.
///
/// Entries are SHA-256 digests of (user, password, the user's bcrypt hash), never the
/// password: the bcrypt hash brings its random salt into the digest, so equal passwords of two
/// users do not give equal entries. Only successes are stored (a failure must cost the full
/// bcrypt again, or guessing would get cheap), at most `capacity` of them, the oldest dropped
/// first. A lookup compares against every entry in constant time, so its duration says nothing
/// about how close a guess came.
final class VerifiedCredentials: Sendable {
    typealias Entry = [UInt8]

    let capacity: Int
    private let state = Mutex<(entries: [Entry], next: Int)>(([], 0))

    init(capacity: Int = 64) {
        precondition(capacity > 0, "a cache needs room for one entry")
        self.capacity = capacity
    }

    static func entry(user: String, password: String, hash: BcryptHash) -> Entry {
        var sha = SHA256()
        // Length-prefixed fields: no (user, password) pair can be shifted into another.
        for field in [user, password, hash.verifiable] {
            let bytes = Array(field.utf8)
            withUnsafeBytes(of: UInt64(bytes.count).bigEndian) { sha.update(bufferPointer: $0) }
            sha.update(data: bytes)
        }
        return Array(sha.finalize())
    }

    func contains(_ entry: Entry) -> Bool {
        state.withLock { state in
            var found = false
            for candidate in state.entries {
                found = Self.constantTimeEqual(candidate, entry) || found
            }
            return found
        }
    }

    func insert(_ entry: Entry) {
        state.withLock { state in
            // Two scrapes that missed at the same time both verify and both insert.
            guard !state.entries.contains(where: { Self.constantTimeEqual($0, entry) }) else { return }
            if state.entries.count < capacity {
                state.entries.append(entry)
            } else {
                state.entries[state.next] = entry
                state.next = (state.next + 1) % capacity
            }
        }
    }

    var count: Int { state.withLock { $0.entries.count } }

    /// Equal-length byte strings compared without an early exit.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
