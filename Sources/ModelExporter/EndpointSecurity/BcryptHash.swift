import HummingbirdBcrypt

/// A bcrypt hash from `basic_auth_users`, checked for shape when the web config is read, so a
/// typo (or a plain-text password) stops the start instead of locking every scraper out.
///
/// htpasswd and PHP write `$2y$`, Go and OpenBSD `$2b$`, older tools `$2a$`. `$2y$` and `$2b$`
/// are the same algorithm under two names (both fixed the 2011 sign-extension bug the same way),
/// and exporter-toolkit (Go's bcrypt) accepts all three; the OpenBSD code inside
/// HummingbirdBcrypt knows only `a` and `b`, so `$2y$` is verified as `$2b$`. `$2x$` (the
/// deliberately buggy variant) is refused.
struct BcryptHash: Sendable, Equatable {
    /// The hash as HummingbirdBcrypt verifies it (`$2y$` rewritten to `$2b$`).
    let verifiable: String
    /// log2 of the rounds: each verification costs about 2^cost / 2^10 × 100 ms.
    let cost: Int

    private static let base64Alphabet = Set("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    init?(_ text: String) {
        let bytes = Array(text.utf8)
        // $2b$10$ + 22 characters of salt + 31 of hash.
        guard bytes.count == 60, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
              [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2]), bytes[3] == UInt8(ascii: "$"),
              let cost = Int(String(decoding: bytes[4..<6], as: UTF8.self)), (4...31).contains(cost),
              bytes[4...5].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              bytes[6] == UInt8(ascii: "$"), bytes[7...].allSatisfy({ Self.base64Alphabet.contains($0) })
        else { return nil }
        self.cost = cost
        verifiable = bytes[2] == UInt8(ascii: "y") ? "$2b" + text.dropFirst(3) : text
    }

    /// A new hash of `password` with a random salt, as `htpasswd -nbB` makes one (tests use it).
    static func hashing(_ password: String, cost: Int = 10) -> BcryptHash {
        precondition((4...31).contains(cost), "bcrypt cost is 4 to 31")
        // Bcrypt.hash writes a well-formed $2b$ hash, so this cannot fail.
        return BcryptHash(Bcrypt.hash(password, cost: UInt8(cost)))!
    }

    /// Runs bcrypt (slow by design: call it off the event loops). False for a password with a
    /// NUL byte: the C code would see only the part before it, so "secret\0anything" would pass
    /// as "secret".
    func matches(_ password: String) -> Bool {
        guard !password.utf8.contains(0) else { return false }
        return Bcrypt.verify(password, hash: verifiable)
    }
}
