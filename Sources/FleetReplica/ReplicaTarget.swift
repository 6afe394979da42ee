import Foundation

/// Where to ship: a PostgreSQL connection URL, parsed once at start.
///
/// `postgres://user:password@host:port/database?sslmode=disable|prefer|require|verify-full`, as
/// libpq reads it (`postgresql://` too). The password may instead come from
/// `--replica.password-file` (a file's first line), which wins over one in the URL. The
/// password is never part of ``description`` or ``redactedURL``, so no log line or
/// `check-config` table can show it.
package struct ReplicaTarget: Sendable, Equatable, CustomStringConvertible {
    package enum TLSMode: String, Sendable, Equatable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, without verifying its certificate (libpq's default).
        case prefer
        /// TLS or fail; the certificate is not verified (libpq's `require`).
        case require
        /// TLS with the certificate verified against the system's roots and the host name.
        case verifyFull = "verify-full"
    }

    package var host: String
    package var port: Int
    package var user: String
    package var password: String?
    package var database: String
    package var tls: TLSMode

    package init(host: String, port: Int = 5432, user: String, password: String?, database: String, tls: TLSMode = .prefer) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// Parses a URL; every problem says what a valid one looks like.
    package init(url text: String, passwordFile: String? = nil) throws(ReplicaConfigurationError) {
        let example = "postgres://USER:PASSWORD@HOST:5432/DATABASE?sslmode=disable"
        guard let components = URLComponents(string: text.trimmingCharacters(in: .whitespaces)),
              let scheme = components.scheme, scheme == "postgres" || scheme == "postgresql" else {
            throw ReplicaConfigurationError("the replica URL is not a postgres:// URL (example: \(example))")
        }
        guard let host = components.host, !host.isEmpty else {
            throw ReplicaConfigurationError("the replica URL names no host (example: \(example))")
        }
        guard let user = components.user, !user.isEmpty else {
            throw ReplicaConfigurationError("the replica URL names no user (example: \(example))")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw ReplicaConfigurationError("the replica URL's sslmode \"\(item.value ?? "")\" is not one of disable, prefer, require, verify-full")
                }
                tls = mode
            default:
                throw ReplicaConfigurationError("the replica URL's parameter \"\(item.name)\" is not known (known: sslmode)")
            }
        }
        var password = components.password?.removingPercentEncoding ?? components.password
        if let passwordFile {
            guard let contents = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                throw ReplicaConfigurationError("cannot read the replica password file \(passwordFile) (check it exists and is readable by this user)")
            }
            password = String(contents.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        }
        self.init(host: host, port: components.port ?? 5432, user: user.removingPercentEncoding ?? user,
                  password: password, database: database.isEmpty ? user : database, tls: tls)
    }

    /// The URL with the password replaced by `***`, for logs and `check-config`.
    package var redactedURL: String {
        "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }

    package var description: String { redactedURL }

    /// Masks the password of any text that may hold a postgres URL (a flag's raw value).
    package static func redact(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? "postgres://***"
    }
}

/// A replica setting that cannot be used, with what a valid one looks like.
package struct ReplicaConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}
