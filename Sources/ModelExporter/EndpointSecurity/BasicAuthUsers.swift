import NIOPosix

/// The users of `basic_auth_users` and the check of a user's password against them.
///
/// An unknown user still costs a bcrypt (against another user's hash, so at the same cost), as
/// in exporter-toolkit: otherwise the response time would tell which user names exist. bcrypt
/// runs on NIO's thread pool for blocking work, never on an event loop; successes are
/// remembered in ``VerifiedCredentials`` so a scraper's repeated password costs one bcrypt.
struct BasicAuthUsers: Sendable {
    let hashes: [String: BcryptHash]
    let cache: VerifiedCredentials
    /// The hash an unknown user is checked against: a real one, so the time taken matches.
    private let decoy: BcryptHash

    /// nil without users: there is nobody to let in, so no authentication is configured.
    init?(_ hashes: [String: BcryptHash], cache: VerifiedCredentials = VerifiedCredentials()) {
        guard let decoy = hashes.min(by: { $0.key < $1.key })?.value else { return nil }
        self.hashes = hashes
        self.cache = cache
        self.decoy = decoy
    }

    func accept(_ credentials: BasicCredentials) async -> Bool {
        let known = hashes[credentials.user]
        let hash = known ?? decoy
        let entry = VerifiedCredentials.entry(user: credentials.user, password: credentials.password, hash: hash)
        if known != nil, cache.contains(entry) { return true }
        let password = credentials.password
        let matches: Bool
        do {
            matches = try await NIOThreadPool.singleton.runIfActive { hash.matches(password) }
        } catch {
            // The pool only fails once it is shut down, at exit: refuse rather than block an event loop.
            return false
        }
        guard matches, known != nil else { return false }
        cache.insert(entry)
        return true
    }
}
