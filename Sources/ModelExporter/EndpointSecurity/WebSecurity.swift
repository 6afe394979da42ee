import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging

/// What `--web.config.file` makes of the HTTP server: TLS or not, basic auth or not, and in
/// every case the limits of ``HTTPLimits``. Loaded once at start (and by `check-config`); any
/// problem in the file is a ``WebConfigError`` and the exporter does not start.
struct WebSecurity: Sendable {
    /// The web config file, or nil when none is given (plain HTTP, no auth).
    var path: String?
    var config: WebConfig
    var tls: WebConfig.TLSServer.Loaded?
    var limits: HTTPLimits

    static let none = WebSecurity(path: nil, config: WebConfig(tls: nil, users: [:]), tls: nil, limits: .standard)

    /// Reads the web config at `path` (nil: none) and the files it names.
    static func load(path: String?, limits: HTTPLimits = .standard) throws(WebConfigError) -> WebSecurity {
        guard let path else { return .none }
        let config = try WebConfig.load(path: path)
        var problems: [String] = []
        let tls = config.tls?.load(problems: &problems)
        if !problems.isEmpty { throw WebConfigError(path: path, problems) }
        return WebSecurity(path: path, config: config, tls: tls, limits: limits)
    }

    /// The server: HTTP/1.1 with the limits, inside TLS when configured.
    func serverBuilder() throws -> HTTPServerBuilder {
        let http1 = HTTPServerBuilder.http1(configuration: limits.http1Configuration)
        guard let tls else { return http1 }
        return try .tls(http1, configuration: tls.channel)
    }

    /// Hummingbird's settings for the listener, with the connection cap of ``HTTPLimits``.
    func applicationConfiguration(address: BindAddress, logger: Logger) -> ApplicationConfiguration {
        ApplicationConfiguration(
            address: address, serverName: nil,
            availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections, logger: logger))
    }

    /// `responder` behind the body limit and, when users are configured, basic auth. This wraps
    /// the built responder rather than adding router middleware, so that no route — including
    /// ones added later and the router's own 404 — can be reached around it.
    func responder<Wrapped: HTTPResponder>(wrapping responder: Wrapped) -> WebGuardResponder<Wrapped> where Wrapped.Context: RequestContext {
        WebGuardResponder(
            wrapped: responder,
            bodyLimit: RequestBodyLimitMiddleware(maxBodyBytes: limits.maxBodyBytes),
            auth: BasicAuthUsers(config.users).map { BasicAuthMiddleware(users: $0) })
    }

    /// One line for logs and `check-config`: `TLS on (TLS12+, client certificates
    /// RequireAndVerifyClientCert), basic auth on (2 users)`.
    var summary: String {
        var parts: [String] = []
        if let settings = config.tls, let tls {
            var detail = "\(settings.minVersion.rawValue)+"
            if let max = settings.maxVersion { detail = settings.minVersion == max ? max.rawValue : "\(settings.minVersion.rawValue)–\(max.rawValue)" }
            detail += ", client certificates \(settings.clientAuth.rawValue)"
            if tls.clientCACount > 0 { detail += " against \(tls.clientCACount) CA certificate\(tls.clientCACount == 1 ? "" : "s")" }
            let expiry = ISO8601DateFormatter.string(
                from: Date(timeIntervalSince1970: TimeInterval(tls.notValidAfter)), timeZone: TimeZone(identifier: "UTC")!,
                formatOptions: [.withFullDate])
            detail += ", server certificate valid until \(expiry)"
            parts.append("TLS on (\(detail))")
        } else {
            parts.append("TLS off")
        }
        let count = config.users.count
        parts.append(count == 0 ? "basic auth off" : "basic auth on (\(count) user\(count == 1 ? "" : "s"))")
        return parts.joined(separator: ", ")
    }

    /// Not errors, but worth saying at start and in `check-config`.
    func warnings(now: Date = Date()) -> [String] {
        var warnings: [String] = []
        if !config.users.isEmpty, tls == nil {
            warnings.append("basic auth without TLS: passwords cross the network readable by anyone on the path; add tls_server_config")
        }
        if let tls, Date(timeIntervalSince1970: TimeInterval(tls.notValidAfter)) < now {
            warnings.append("the server certificate in \(config.tls?.certFile ?? "cert_file") has expired: clients that verify it will refuse to connect")
        }
        return warnings
    }
}

/// The router's responder behind ``RequestBodyLimitMiddleware`` and, optionally,
/// ``BasicAuthMiddleware``, in that order: an oversized request is turned away before it
/// costs a bcrypt.
struct WebGuardResponder<Wrapped: HTTPResponder>: HTTPResponder where Wrapped.Context: RequestContext {
    typealias Context = Wrapped.Context

    let wrapped: Wrapped
    let bodyLimit: RequestBodyLimitMiddleware<Context>
    let auth: BasicAuthMiddleware<Context>?

    func respond(to request: Request, context: Context) async throws -> Response {
        try await bodyLimit.handle(request, context: context) { request, context in
            guard let auth else { return try await wrapped.respond(to: request, context: context) }
            return try await auth.handle(request, context: context) { request, context in
                try await wrapped.respond(to: request, context: context)
            }
        }
    }
}
