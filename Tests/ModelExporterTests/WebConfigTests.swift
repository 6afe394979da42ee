import Foundation
import Testing

@testable import ModelExporter

/// The web config (`--web.config.file`, exporter-toolkit format) in-process: parsing, the
/// problems that stop the start, loading the TLS files, and the basic-auth checks. The
/// end-to-end behaviour with real TLS clients is in scripts/checks/30-web-security.sh.
struct WebConfigTests {
    static let hashOfSecret = "$2y$10$zM52qrIbwDGmGD8oUJYVK.a3qypxwstbKXut30tVs82V1uSIN3.42"  // htpasswd -nbBC 10 alice secret

    static func parse(_ yaml: String, path: String = "/etc/model-exporter/web.yml") throws(WebConfigError) -> WebConfig {
        try WebConfig.parse(yaml, path: path)
    }

    static func problems(_ yaml: String) -> [String] {
        do {
            _ = try parse(yaml)
            return []
        } catch {
            return error.problems
        }
    }

    // MARK: - Parsing

    @Test func parsesTheExporterToolkitFormatWithPathsRelativeToTheFile() throws {
        let config = try Self.parse("""
            tls_server_config:
              cert_file: tls/server.crt
              key_file: /secrets/server.key
              min_version: TLS13
              max_version: TLS13
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ../ca/clients.crt
            basic_auth_users:
              alice: \(Self.hashOfSecret)
              prometheus: $2b$04$abcdefghijklmnopqrstuu5p3sEYLaK/Ct8d7FTdn0jEMS8Wg0hzq
            """)
        let tls = try #require(config.tls)
        #expect(tls.certFile == "/etc/model-exporter/tls/server.crt")
        #expect(tls.keyFile == "/secrets/server.key")
        #expect(tls.clientCAFile == "/etc/ca/clients.crt")
        #expect(tls.minVersion == .tls13)
        #expect(tls.maxVersion == .tls13)
        #expect(tls.clientAuth == .requireAndVerifyClientCert)
        #expect(config.users.keys.sorted() == ["alice", "prometheus"])
        #expect(config.users["alice"]?.cost == 10)
    }

    @Test(arguments: ["", "# nothing\n", "tls_server_config:\n", "tls_server_config: {}\nbasic_auth_users: {}\n"])
    func anEmptyConfigMeansPlainHTTPWithoutAuth(yaml: String) throws {
        #expect(try Self.parse(yaml) == WebConfig(tls: nil, users: [:]))
    }

    @Test func minVersionDefaultsToTLS12() throws {
        let config = try Self.parse("tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n")
        #expect(config.tls?.minVersion == .tls12)
        #expect(config.tls?.maxVersion == nil)
        #expect(config.tls?.clientAuth == .noClientCert)
    }

    @Test func unknownKeysAreRefusedWithTheKnownOnes() {
        let problems = Self.problems("""
            tls_config: {}
            tls_server_config:
              cert_file: a.crt
              key_file: a.key
              certfile: b.crt
            """)
        #expect(problems == [
            "unknown key \"tls_config\" (known keys: basic_auth_users, tls_server_config)",
            "tls_server_config: unknown key \"certfile\" (known keys: cert_file, client_auth_type, client_ca_file, key_file, max_version, min_version)",
        ])
    }

    /// Ignoring them would serve with less security than the file asks for.
    @Test(arguments: ["cipher_suites: [TLS_AES_128_GCM_SHA256]", "client_allowed_sans: [prometheus]", "curve_preferences: [X25519]"])
    func exporterToolkitKeysThatAreNotImplementedAreRefusedNotIgnored(line: String) {
        let problems = Self.problems("tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  \(line)\n")
        let key = String(line.prefix { $0 != ":" })
        #expect(problems == ["tls_server_config.\(key) is an exporter-toolkit setting that model-exporter does not implement; remove it (model-exporter will not serve with less security than the file asks for)"])
    }

    @Test(arguments: [
        ("TLS10", "\"TLS10\" is no longer supported: use TLS12 or TLS13"),
        ("TLS11", "\"TLS11\" is no longer supported: use TLS12 or TLS13"),
        ("TLS14", "\"TLS14\" is not a TLS version: use TLS12 or TLS13"),
        ("tls12", "\"tls12\" is not a TLS version: use TLS12 or TLS13"),
    ])
    func badMinVersionsAreRefused(version: String, message: String) {
        let problems = Self.problems("tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  min_version: \(version)\n")
        #expect(problems == ["tls_server_config.min_version \(message)"])
    }

    @Test func maxVersionBelowMinVersionIsRefused() {
        let problems = Self.problems("tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  min_version: TLS13\n  max_version: TLS12\n")
        #expect(problems == ["tls_server_config.max_version TLS12 is below min_version TLS13"])
    }

    @Test(arguments: [ClientAuthType.verifyClientCertIfGiven, .requireAndVerifyClientCert])
    func clientAuthTypesThatVerifyNeedAClientCAFile(type: ClientAuthType) {
        let problems = Self.problems("tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_auth_type: \(type.rawValue)\n")
        #expect(problems == ["tls_server_config.client_auth_type \(type.rawValue) needs client_ca_file: the CA certificate(s) that sign the clients' certificates (PEM)"])
    }

    @Test(arguments: [ClientAuthType.noClientCert, .requestClientCert, .requireAnyClientCert])
    func clientAuthTypesThatDoNotVerifyNeedNoClientCAFile(type: ClientAuthType) throws {
        let config = try Self.parse("tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_auth_type: \(type.rawValue)\n")
        #expect(config.tls?.clientAuth == type)
    }

    @Test func theOldNameRequireClientCertStillMeansRequireAnyClientCert() throws {
        let config = try Self.parse("tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_auth_type: RequireClientCert\n")
        #expect(config.tls?.clientAuth == .requireAnyClientCert)
    }

    @Test func aClientCAFileWithoutAClientAuthTypeIsRefused() {
        let problems = Self.problems("tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_ca_file: ca.crt\n")
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("tls_server_config.client_ca_file is set but client_auth_type is NoClientCert") == true)
    }

    @Test func anUnknownClientAuthTypeListsTheValidOnes() {
        let problems = Self.problems("tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  client_auth_type: Always\n")
        #expect(problems == ["tls_server_config.client_auth_type \"Always\" is not one of NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert"])
    }

    @Test func certAndKeyAreBothRequiredOnceTLSIsConfigured() {
        #expect(Self.problems("tls_server_config:\n  min_version: TLS13\n") == [
            "tls_server_config.cert_file is missing: the server certificate (PEM)",
            "tls_server_config.key_file is missing: the server's private key (PEM)",
        ])
    }

    @Test(arguments: [
        "secret",                                                           // a plain-text password
        "$2x$10$zM52qrIbwDGmGD8oUJYVK.a3qypxwstbKXut30tVs82V1uSIN3.42",     // the buggy variant
        "$2y$03$zM52qrIbwDGmGD8oUJYVK.a3qypxwstbKXut30tVs82V1uSIN3.42",     // cost below 4
        "$2y$32$zM52qrIbwDGmGD8oUJYVK.a3qypxwstbKXut30tVs82V1uSIN3.42",     // cost above 31
        "$2y$10$zM52qrIbwDGmGD8oUJYVK.a3qypxwstbKXut30tVs82V1uSIN3.4",      // one character short
        "$2y$10$zM52qrIbwDGmGD8oUJYVK.a3qypxwstbKXut30tVs82V1uSIN3.4!",     // not bcrypt's base64
        "$apr1$wxyz$0123456789abcdefghijkl",                               // htpasswd -m (MD5)
        "12345",                                                            // a YAML number
    ])
    func badHashesAreRefusedWithoutRepeatingThem(value: String) {
        let problems = Self.problems("basic_auth_users:\n  alice: '\(value)'\n")
        #expect(problems == ["basic_auth_users.alice: the value is not a bcrypt hash ($2a$, $2b$ or $2y$, cost 04 to 31, 60 characters); make one with: htpasswd -nbBC 10 'alice' 'PASSWORD' | cut -d: -f2"])
        #expect(!problems.joined().contains(value))
    }

    @Test func userNamesThatBasicAuthCannotCarryAreRefused() {
        let problems = Self.problems("basic_auth_users:\n  'a:b': \(Self.hashOfSecret)\n")
        #expect(problems == ["basic_auth_users: user name \"a:b\" cannot be sent with basic auth (empty, or contains \":\" or a control character)"])
    }

    @Test func everyProblemIsReportedAtOnce() {
        let problems = Self.problems("""
            rate_limit: {interval: 1s}
            tls_server_config:
              cert_file: a.crt
              min_version: TLS11
              client_auth_type: RequireAndVerifyClientCert
            basic_auth_users:
              alice: secret
            """)
        #expect(problems.count == 5, "\(problems)")
    }

    @Test func theErrorNamesTheFileOnEveryLine() {
        let error = WebConfigError(path: "/etc/web.yml", ["one", "two"])
        #expect(error.description == "web config /etc/web.yml: one\nweb config /etc/web.yml: two")
    }

    @Test func invalidYAMLAndAWrongShapeAreProblemsNotCrashes() {
        #expect(Self.problems("a: [").first?.hasPrefix("not valid YAML") == true)
        #expect(Self.problems("- a\n- b\n") == ["the top level must be a mapping with tls_server_config and/or basic_auth_users"])
        #expect(Self.problems("tls_server_config: [a]\n") == ["tls_server_config must be a mapping (cert_file, key_file, ...)"])
        #expect(Self.problems("basic_auth_users: alice\n") == ["basic_auth_users must be a mapping of user name to bcrypt hash"])
    }

    @Test func aMissingWebConfigFileIsAProblem() {
        #expect(throws: WebConfigError(path: "/nonexistent/web.yml", ["cannot read the file (no such file)"])) {
            try WebConfig.load(path: "/nonexistent/web.yml")
        }
    }

    // MARK: - bcrypt

    @Test func htpasswdHashesVerify() throws {
        let hash = try #require(BcryptHash(Self.hashOfSecret))
        #expect(hash.verifiable.hasPrefix("$2b$10$"))
        #expect(hash.matches("secret"))
        #expect(!hash.matches("Secret"))
    }

    @Test func aPasswordWithANULByteDoesNotPassAsItsPrefix() {
        let hash = BcryptHash.hashing("secret", cost: 4)
        #expect(hash.matches("secret"))
        #expect(!hash.matches("secret\u{0}anything"))
    }

    // MARK: - Credentials and the cache

    @Test(arguments: [
        ("Basic YWxpY2U6c2VjcmV0", BasicCredentials(user: "alice", password: "secret")),
        ("basic YWxpY2U6c2VjcmV0", BasicCredentials(user: "alice", password: "secret")),
        ("Basic YWxpY2U6czpl", BasicCredentials(user: "alice", password: "s:e")),   // alice:s:e
        ("Basic YWxpY2U6", BasicCredentials(user: "alice", password: "")),           // alice:
    ])
    func wellFormedBasicCredentialsAreRead(header: String, expected: BasicCredentials) {
        #expect(BasicCredentials(authorization: header) == expected)
    }

    @Test(arguments: ["Bearer YWxpY2U6c2VjcmV0", "Basic", "Basic !!!", "Basic YWxpY2U=", "Basic OnNlY3JldA==", "Basic //79"])
    func malformedBasicCredentialsAreNone(header: String) {
        #expect(BasicCredentials(authorization: header) == nil)
    }

    @Test func theCacheIsConsultedBeforeBcryptAndOnlyForKnownUsers() async throws {
        let alice = BcryptHash.hashing("secret", cost: 4)
        let cache = VerifiedCredentials()
        let auth = try #require(BasicAuthUsers(["alice": alice], cache: cache))

        #expect(await auth.accept(BasicCredentials(user: "alice", password: "secret")))
        #expect(cache.count == 1)
        #expect(await auth.accept(BasicCredentials(user: "alice", password: "secret")))
        #expect(cache.count == 1)
        #expect(await !auth.accept(BasicCredentials(user: "alice", password: "wrong")))
        #expect(cache.count == 1, "failures are not cached")

        // An entry the cache holds is accepted without bcrypt (bcrypt would say no here)...
        cache.insert(VerifiedCredentials.entry(user: "alice", password: "cached", hash: alice))
        #expect(await auth.accept(BasicCredentials(user: "alice", password: "cached")))
        // ...but an unknown user checked against the decoy hash never passes, whatever is cached.
        cache.insert(VerifiedCredentials.entry(user: "mallory", password: "secret", hash: alice))
        #expect(await !auth.accept(BasicCredentials(user: "mallory", password: "secret")))
    }

    @Test func theCacheKeepsAtMostItsCapacityDroppingTheOldest() {
        let cache = VerifiedCredentials(capacity: 2)
        let hash = BcryptHash.hashing("x", cost: 4)
        let entries = (0..<3).map { VerifiedCredentials.entry(user: "u\($0)", password: "p", hash: hash) }
        for entry in entries { cache.insert(entry) }
        #expect(cache.count == 2)
        #expect(!cache.contains(entries[0]))
        #expect(cache.contains(entries[1]))
        #expect(cache.contains(entries[2]))
    }

    @Test func cacheEntriesDependOnUserPasswordAndHash() {
        let one = BcryptHash.hashing("x", cost: 4)
        let two = BcryptHash.hashing("x", cost: 4)   // same password, another salt
        let base = VerifiedCredentials.entry(user: "ab", password: "c", hash: one)
        #expect(base != VerifiedCredentials.entry(user: "a", password: "bc", hash: one))
        #expect(base != VerifiedCredentials.entry(user: "ab", password: "c", hash: two))
        #expect(base.count == 32)
    }

    @Test func constantTimeComparisonIsEquality() {
        #expect(VerifiedCredentials.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!VerifiedCredentials.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!VerifiedCredentials.constantTimeEqual([1, 2, 3], [1, 2]))
    }

    @Test func withoutUsersThereIsNoAuthentication() {
        #expect(BasicAuthUsers([:]) == nil)
    }

    // MARK: - TLS files

    @Test func goodTLSFilesLoadAndAreSummarised() throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        let path = try pki.writeWebConfig("""
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.crt
            basic_auth_users:
              alice: \(Self.hashOfSecret)
            """)
        let web = try WebSecurity.load(path: path)
        #expect(web.tls != nil)
        #expect(web.summary.hasPrefix("TLS on (TLS12+, client certificates RequireAndVerifyClientCert against 1 CA certificate, server certificate valid until "))
        #expect(web.summary.hasSuffix("), basic auth on (1 user)"))
        #expect(web.warnings().isEmpty)
    }

    @Test func unreadableOrWrongTLSFilesAreProblemsNamingTheKey() throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        let missing = try pki.writeWebConfig("tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n")
        #expect(throws: WebConfigError(path: missing, ["tls_server_config.cert_file: cannot read \(pki.file("missing.crt")) (no such file)"])) {
            try WebSecurity.load(path: missing)
        }
        let mismatch = try pki.writeWebConfig("tls_server_config:\n  cert_file: server.crt\n  key_file: ca.key\n")
        #expect(throws: WebConfigError(path: mismatch, ["tls_server_config.key_file \(pki.file("ca.key")) is not the private key of the certificate in cert_file \(pki.file("server.crt"))"])) {
            try WebSecurity.load(path: mismatch)
        }
        let notPEM = try pki.writeWebConfig("tls_server_config:\n  cert_file: server.key\n  key_file: server.crt\n  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: web.yml\n")
        do {
            _ = try WebSecurity.load(path: notPEM)
            Issue.record("loaded a key as a certificate")
        } catch {
            #expect(error.problems == [
                "tls_server_config.cert_file \(pki.file("server.key")) does not hold PEM certificates (-----BEGIN CERTIFICATE-----)",
                "tls_server_config.key_file \(pki.file("server.crt")) does not hold an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)",
                "tls_server_config.client_ca_file \(pki.file("web.yml")) does not hold PEM certificates (-----BEGIN CERTIFICATE-----)",
            ])
        }
    }

    @Test func basicAuthWithoutTLSIsAllowedButWarnedAbout() throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        let web = try WebSecurity.load(path: try pki.writeWebConfig("basic_auth_users:\n  alice: \(Self.hashOfSecret)\n"))
        #expect(web.summary == "TLS off, basic auth on (1 user)")
        #expect(web.warnings() == ["basic auth without TLS: passwords cross the network readable by anyone on the path; add tls_server_config"])
    }

    @Test func noWebConfigMeansPlainHTTPWithTheLimits() throws {
        let web = try WebSecurity.load(path: nil)
        #expect(web.summary == "TLS off, basic auth off")
        #expect(web.limits.maxBodyBytes == 4096)
        #expect(web.limits.maxHeaderListBytes == 16384)
        #expect(web.limits.maxConnections == 256)
    }
}

/// Certificates made with `openssl` for one test: a CA, a server certificate for localhost
/// (self-signed) and the files a web config names, in a fresh directory.
struct TestPKI {
    let directory: ScratchDirectory

    init() throws {
        directory = try ScratchDirectory("model-exporter-pki")
        try Self.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                          "-subj", "/CN=test-ca", "-keyout", "ca.key", "-out", "ca.crt"], in: directory.path)
        try Self.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                          "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                          "-keyout", "server.key", "-out", "server.crt"], in: directory.path)
    }

    func file(_ name: String) -> String { directory.file(name) }
    func remove() { directory.remove() }

    /// Writes `web.yml` (relative paths in it resolve against this directory) and returns its path.
    func writeWebConfig(_ yaml: String) throws -> String {
        let path = file("web.yml")
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func openssl(_ arguments: [String], in directory: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ExporterProcessError("openssl \(arguments.joined(separator: " ")) failed with status \(process.terminationStatus)")
        }
    }
}
