import PostgresNIO

/// Why a query on the fleet's PostgreSQL could not run, in one line that says what to do. The
/// password is never part of it: the server is named by host, port, user and database.
package struct FleetQueryError: Error, CustomStringConvertible, Sendable, Equatable {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }

    static func classify(_ error: any Error, target: ReplicaTarget) -> FleetQueryError {
        if let error = error as? FleetQueryError { return error }
        let server = "PostgreSQL at \(target.host):\(target.port)"
        guard let error = error as? PSQLError else {
            return FleetQueryError("cannot reach \(server): \(error) (check --storage.url's host and port, and that the server accepts TCP connections from here)")
        }
        if let state = error.serverInfo?[.sqlState] {
            let text = error.serverInfo?[.message] ?? "\(error.code)"
            // Class 28: invalid authorization; 3D000: no such database; 42P01 / 42703: no such
            // table / column, i.e. no exporter has shipped here (or one of another version).
            if state.hasPrefix("28") {
                return FleetQueryError("\(server) refused user \(target.user): \(text) (check the password in --storage.url or --storage.password-file)")
            }
            if state == "3D000" {
                return FleetQueryError("\(server) has no database \(target.database): \(text) (check the database name in --storage.url)")
            }
            if state == "42P01" || state == "42703" {
                return FleetQueryError("""
                    database \(target.database) on \(server) holds no model-exporter replica of this version (\(text)): \
                    check --storage.url names the database the exporters ship to (their --replica.url)
                    """)
            }
            return FleetQueryError("the query failed on \(server): \(text) (SQLSTATE \(state))")
        }
        switch error.code {
        case .connectionError, .sslUnsupported, .failedToAddSSLHandler:
            return FleetQueryError("cannot reach \(server): \(error.underlying.map { "\($0)" } ?? "\(error.code)") (check --storage.url's host and port, and that the server is up)")
        case .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError:
            return FleetQueryError("\(server) refused user \(target.user): \(error.code) (check the password in --storage.url or --storage.password-file)")
        default:
            return FleetQueryError("lost the connection to \(server) during the query: \(error.code) (run it again)")
        }
    }
}
