import Foundation
import Yams

#if canImport(Glibc)
import Glibc
#endif

/// The web config of `--web.config.file`, in the format of Prometheus' exporter-toolkit (the
/// file node_exporter reads): TLS for the listener and the users of HTTP basic auth.
///
/// ```yaml
/// tls_server_config:
///   cert_file: server.crt          # relative paths are relative to this file, as in exporter-toolkit
///   key_file: server.key
///   min_version: TLS12             # TLS12 (default) or TLS13
///   client_auth_type: RequireAndVerifyClientCert
///   client_ca_file: clients-ca.crt
/// basic_auth_users:
///   prometheus: $2y$10$...         # bcrypt, e.g. from htpasswd -nbBC 10 prometheus PASSWORD
/// ```
///
/// Parsing is strict like exporter-toolkit's (`yaml.UnmarshalStrict`): an unknown key is an
/// error, and so is an exporter-toolkit key this exporter does not implement (`cipher_suites`,
/// `client_allowed_sans`, ...). Ignoring one would serve with weaker security than the file
/// says, which is worse than not starting. This type only parses; reading the certificate
/// files is ``WebSecurity``'s job (`WebConfig+TLS.swift`).
struct WebConfig: Sendable, Equatable {
    /// nil: plain HTTP (no `tls_server_config`, or an empty one, as in exporter-toolkit).
    var tls: TLSServer?
    /// User name → bcrypt hash. Empty: no authentication.
    var users: [String: BcryptHash]

    struct TLSServer: Sendable, Equatable {
        /// Absolute paths (relative ones are resolved against the web config's directory).
        var certFile: String
        var keyFile: String
        var minVersion: TLSVersionName
        var maxVersion: TLSVersionName?
        var clientAuth: ClientAuthType
        var clientCAFile: String?
    }

    static let topLevelKeys = ["basic_auth_users", "tls_server_config"]
    static let tlsKeys = ["cert_file", "client_auth_type", "client_ca_file", "key_file", "max_version", "min_version"]
    /// exporter-toolkit keys that are valid there but not implemented here.
    static let unsupportedTopLevelKeys = ["http_server_config", "rate_limit"]
    static let unsupportedTLSKeys = ["cert", "key", "client_ca", "cipher_suites", "curve_preferences",
                                     "prefer_server_cipher_suites", "client_allowed_sans"]

    /// Reads and parses the file at `path`; every problem found is in the error.
    static func load(path: String) throws(WebConfigError) -> WebConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw WebConfigError(path: path, ["cannot read the file (\(Self.reason(error)))"])
        }
        return try parse(text, path: path)
    }

    /// Parses `text` as the web config at `path` (which names it in messages and anchors relative paths).
    static func parse(_ text: String, path: String) throws(WebConfigError) -> WebConfig {
        let node: Any?
        do {
            node = try Yams.load(yaml: text)
        } catch {
            throw WebConfigError(path: path, ["not valid YAML: \(error)"])
        }
        // An empty file is a valid exporter-toolkit config: no TLS, no users.
        guard let node, !(node is NSNull) else { return WebConfig(tls: nil, users: [:]) }
        guard let top = node as? [String: Any] else {
            throw WebConfigError(path: path, ["the top level must be a mapping with tls_server_config and/or basic_auth_users"])
        }
        var problems: [String] = []
        problems += unknownKeys(in: top, known: topLevelKeys, unsupported: unsupportedTopLevelKeys, section: nil)

        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var tls: TLSServer?
        if let section = top["tls_server_config"], !(section is NSNull) {
            if let mapping = section as? [String: Any] {
                tls = parseTLS(mapping, directory: directory, problems: &problems)
            } else {
                problems.append("tls_server_config must be a mapping (cert_file, key_file, ...)")
            }
        }
        var users: [String: BcryptHash] = [:]
        if let section = top["basic_auth_users"], !(section is NSNull) {
            if let mapping = section as? [String: Any] {
                users = parseUsers(mapping, problems: &problems)
            } else {
                problems.append("basic_auth_users must be a mapping of user name to bcrypt hash")
            }
        }
        if !problems.isEmpty { throw WebConfigError(path: path, problems) }
        return WebConfig(tls: tls, users: users)
    }

    private static func parseTLS(_ mapping: [String: Any], directory: String, problems: inout [String]) -> TLSServer? {
        problems += unknownKeys(in: mapping, known: tlsKeys, unsupported: unsupportedTLSKeys, section: "tls_server_config")
        func string(_ key: String) -> String? {
            switch mapping[key] {
            case nil, is NSNull: return nil
            case let text as String: return text.isEmpty ? nil : text
            case let other?:
                problems.append("tls_server_config.\(key) must be a string, not \(other)")
                return nil
            }
        }
        func absolute(_ file: String?) -> String? {
            guard let file else { return nil }
            return file.hasPrefix("/") ? file : URL(fileURLWithPath: directory).appendingPathComponent(file).standardized.path
        }
        let certFile = absolute(string("cert_file"))
        let keyFile = absolute(string("key_file"))
        let clientCAFile = absolute(string("client_ca_file"))
        let clientAuthText = string("client_auth_type")
        let minText = string("min_version")
        let maxText = string("max_version")
        // As in exporter-toolkit: a block that sets nothing means no TLS.
        if certFile == nil, keyFile == nil, clientCAFile == nil, clientAuthText == nil, minText == nil, maxText == nil {
            return nil
        }
        if certFile == nil { problems.append("tls_server_config.cert_file is missing: the server certificate (PEM)") }
        if keyFile == nil { problems.append("tls_server_config.key_file is missing: the server's private key (PEM)") }

        var clientAuth = ClientAuthType.noClientCert
        if let clientAuthText {
            if let parsed = ClientAuthType(rawValue: clientAuthText) ?? ClientAuthType.aliases[clientAuthText] {
                clientAuth = parsed
            } else {
                problems.append("tls_server_config.client_auth_type \"\(clientAuthText)\" is not one of \(ClientAuthType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        if clientAuth.verifiesCertificates, clientCAFile == nil {
            problems.append("tls_server_config.client_auth_type \(clientAuth.rawValue) needs client_ca_file: the CA certificate(s) that sign the clients' certificates (PEM)")
        }
        if clientCAFile != nil, clientAuth == .noClientCert {
            problems.append("tls_server_config.client_ca_file is set but client_auth_type is NoClientCert, so no client certificate would be asked for: set client_auth_type to RequireAndVerifyClientCert (or VerifyClientCertIfGiven), or remove client_ca_file")
        }
        func version(_ key: String, _ text: String?) -> TLSVersionName? {
            guard let text else { return nil }
            switch TLSVersionName.parse(text) {
            case .success(let version): return version
            case .failure(let message):
                problems.append("tls_server_config.\(key) \(message)")
                return nil
            }
        }
        let minVersion = version("min_version", minText) ?? .tls12
        let maxVersion = version("max_version", maxText)
        if let maxVersion, maxVersion < minVersion {
            problems.append("tls_server_config.max_version \(maxVersion.rawValue) is below min_version \(minVersion.rawValue)")
        }
        guard let certFile, let keyFile else { return nil }
        return TLSServer(certFile: certFile, keyFile: keyFile, minVersion: minVersion, maxVersion: maxVersion,
                         clientAuth: clientAuth, clientCAFile: clientCAFile)
    }

    private static func parseUsers(_ mapping: [String: Any], problems: inout [String]) -> [String: BcryptHash] {
        var users: [String: BcryptHash] = [:]
        for (user, value) in mapping.sorted(by: { $0.key < $1.key }) {
            if user.isEmpty || user.contains(":") || user.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                problems.append("basic_auth_users: user name \"\(user)\" cannot be sent with basic auth (empty, or contains \":\" or a control character)")
                continue
            }
            // The value is never quoted back: a plain-text password put here by mistake must
            // not end up in a log or a terminal's scrollback.
            guard let text = value as? String, let hash = BcryptHash(text) else {
                problems.append("basic_auth_users.\(user): the value is not a bcrypt hash ($2a$, $2b$ or $2y$, cost 04 to 31, 60 characters); make one with: htpasswd -nbBC 10 '\(user)' 'PASSWORD' | cut -d: -f2")
                continue
            }
            users[user] = hash
        }
        return users
    }

    private static func unknownKeys(in mapping: [String: Any], known: [String], unsupported: [String], section: String?) -> [String] {
        let prefix = section.map { $0 + "." } ?? ""
        var problems: [String] = []
        for key in mapping.keys.sorted() where !known.contains(key) {
            if unsupported.contains(key) {
                problems.append("\(prefix)\(key) is an exporter-toolkit setting that model-exporter does not implement; remove it (model-exporter will not serve with less security than the file asks for)")
            } else {
                problems.append("\(section.map { $0 + ": " } ?? "")unknown key \"\(key)\" (known keys: \(known.joined(separator: ", ")))")
            }
        }
        return problems
    }

    static func reason(_ error: any Error) -> String {
        if let cocoa = error as? CocoaError, let underlying = cocoa.userInfo[NSUnderlyingErrorKey] as? NSError,
           underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if let cocoa = error as? CocoaError {
            switch cocoa.code {
            case .fileReadNoSuchFile: return "no such file"
            case .fileReadNoPermission: return "permission denied"
            default: break
            }
        }
        return "\(error.localizedDescription)"
    }
}

/// `min_version` / `max_version`: exporter-toolkit's names. TLS 1.0 and 1.1 are refused.
enum TLSVersionName: String, Sendable, Comparable, CaseIterable {
    case tls12 = "TLS12"
    case tls13 = "TLS13"

    static func parse(_ text: String) -> Result<TLSVersionName, TLSVersionProblem> {
        if let version = TLSVersionName(rawValue: text) { return .success(version) }
        if text == "TLS10" || text == "TLS11" {
            return .failure(TLSVersionProblem(message: "\"\(text)\" is no longer supported: use TLS12 or TLS13"))
        }
        return .failure(TLSVersionProblem(message: "\"\(text)\" is not a TLS version: use TLS12 or TLS13"))
    }

    static func < (lhs: TLSVersionName, rhs: TLSVersionName) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

struct TLSVersionProblem: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// exporter-toolkit's `client_auth_type`, which are the names of Go's `tls.ClientAuthType`.
enum ClientAuthType: String, Sendable, CaseIterable {
    case noClientCert = "NoClientCert"
    case requestClientCert = "RequestClientCert"
    case requireAnyClientCert = "RequireAnyClientCert"
    case verifyClientCertIfGiven = "VerifyClientCertIfGiven"
    case requireAndVerifyClientCert = "RequireAndVerifyClientCert"

    /// exporter-toolkit still accepts the old name.
    static let aliases: [String: ClientAuthType] = ["RequireClientCert": .requireAnyClientCert]

    /// The modes that check a client certificate against `client_ca_file`.
    var verifiesCertificates: Bool {
        self == .verifyClientCertIfGiven || self == .requireAndVerifyClientCert
    }
}
