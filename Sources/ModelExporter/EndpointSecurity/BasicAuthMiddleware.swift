import Foundation
import Hummingbird
import Logging

/// HTTP basic auth against `basic_auth_users`, in front of every route.
///
/// Every refusal is the same 401 — no credentials, unknown user, wrong password, malformed
/// header — with `WWW-Authenticate: Basic realm="model-exporter"` and a body that says nothing
/// more, so a client cannot tell which part was wrong.
struct BasicAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    static var realm: String { "model-exporter" }

    let users: BasicAuthUsers

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let credentials = BasicCredentials(authorization: request.headers[.authorization]),
              await users.accept(credentials)
        else {
            context.logger.debug("basic auth refused", metadata: ["http.path": "\(request.uri.path)"])
            return Response(
                status: .unauthorized,
                headers: [.wwwAuthenticate: "Basic realm=\"\(Self.realm)\"", .contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "Unauthorized\n")))
        }
        return try await next(request, context)
    }
}

/// The user and password of an `Authorization: Basic ...` header (RFC 7617).
struct BasicCredentials: Sendable, Equatable {
    var user: String
    var password: String

    /// nil unless the header is a well-formed Basic credential: scheme (any case), base64 of
    /// valid UTF-8 `user:password`, a non-empty user name without control characters.
    init?(authorization: String?) {
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let data = Data(base64Encoded: parts[1].trimmingCharacters(in: .whitespaces)),
              let text = String(data: data, encoding: .utf8),
              let colon = text.firstIndex(of: ":")
        else { return nil }
        let user = String(text[..<colon])
        guard !user.isEmpty, !user.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return nil }
        self.user = user
        password = String(text[text.index(after: colon)...])
    }

    init(user: String, password: String) {
        self.user = user
        self.password = password
    }
}
