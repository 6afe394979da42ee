import PostgresNIO

/// Why a batch did not ship, classified for `model_exporter_replica_errors_total{kind}` and
/// worded for the operator. Every kind is retried with backoff; none stops ingest.
package struct ReplicaError: Error, CustomStringConvertible, Sendable {
    package enum Kind: String, Sendable, CaseIterable {
        /// The server cannot be reached (refused, no route, DNS, TLS handshake).
        case connect
        /// The server refused the credentials.
        case auth
        /// The server answered with an error (permissions, disk full, a killed backend).
        case server
        /// The connection was lost mid-batch (the server stopped or was killed).
        case connection
        /// The batch did not finish within its deadline; its connection was closed.
        case timeout
        /// The local SQLite database could not be read.
        case source
        /// The mark in PostgreSQL is not where this exporter left it: another exporter ships
        /// under the same `--replica.instance`, or the database was restored.
        case conflict
    }

    package var kind: Kind
    package var message: String

    package init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    package var description: String { message }

    /// Classifies any error that escaped a batch. `target` names the server without its password.
    static func classify(_ error: any Error, target: ReplicaTarget) -> ReplicaError {
        if let error = error as? ReplicaError { return error }
        if let error = error as? PostgresTransactionError {
            if let inner = error.beginError ?? error.closureError ?? error.commitError {
                return classify(inner, target: target)
            }
        }
        let server = "PostgreSQL at \(target.host):\(target.port)"
        guard let error = error as? PSQLError else {
            return ReplicaError(kind: .connect, message: "cannot reach \(server): \(error) (check --replica.url's host and port, and that the server accepts TCP connections from here)")
        }
        if let state = error.serverInfo?[.sqlState] {
            let text = error.serverInfo?[.message] ?? "\(error.code)"
            // Class 28: invalid authorization; 3D000: no such database.
            if state.hasPrefix("28") {
                return ReplicaError(kind: .auth, message: "\(server) refused user \(target.user): \(text) (check the password in --replica.url or --replica.password-file, and pg_hba.conf)")
            }
            if state == "3D000" {
                return ReplicaError(kind: .auth, message: "\(server) has no database \(target.database): \(text) (create it, or fix --replica.url)")
            }
            return ReplicaError(kind: .server, message: "\(server) failed a batch: \(text) (SQLSTATE \(state))")
        }
        switch error.code {
        case .connectionError, .sslUnsupported, .failedToAddSSLHandler:
            return ReplicaError(kind: .connect, message: "cannot reach \(server): \(error.underlying.map { "\($0)" } ?? "\(error.code)") (check --replica.url's host and port, and that the server is up)")
        case .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError:
            return ReplicaError(kind: .auth, message: "\(server) refused user \(target.user): \(error.code) (check the password in --replica.url or --replica.password-file)")
        default:
            return ReplicaError(kind: .connection, message: "lost the connection to \(server) during a batch: \(error.code); it will be retried from the last committed mark")
        }
    }
}
