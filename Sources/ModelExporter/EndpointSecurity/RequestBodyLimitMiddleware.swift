import Hummingbird

/// Answers 413 to a request whose declared body is larger than the routes accept (none of them
/// reads a body). ``RequestBodyGuard`` then closes the connection after this response, and also
/// stops bodies whose size is not declared.
struct RequestBodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maxBodyBytes {
            return Response(
                status: .contentTooLarge,
                headers: [.contentType: "text/plain; charset=utf-8", .connection: "close"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "Request body too large: the endpoints take none.\n")))
        }
        return try await next(request, context)
    }
}
