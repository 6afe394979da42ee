import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Sits between NIO's HTTP/1 decoder and Hummingbird and enforces, per request, what
/// ``HTTPLimits`` says about bodies: a request must be read completely within `readTimeout` of
/// its head, and a body over `maxBodyBytes` (declared by Content-Length or counted as it
/// streams in) is not passed on; the connection is closed as soon as the response to that
/// request is written. ``RequestBodyLimitMiddleware`` writes that response (413) when the length
/// is declared; this handler is what stops a chunked or lying client.
///
/// No route reads a body, so without this Hummingbird would drain one of any size after
/// answering, and a client sending a byte now and then would keep the connection for ever (each
/// body part resets the idle timer).
final class RequestBodyGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let maxBodyBytes: Int
    let readTimeout: TimeAmount

    private var bodyBytes = 0
    private var overLimit = false
    private var responded = false
    private var deadline: Scheduled<Void>?

    init(maxBodyBytes: Int, readTimeout: TimeAmount) {
        self.maxBodyBytes = maxBodyBytes
        self.readTimeout = readTimeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            bodyBytes = 0
            responded = false
            overLimit = head.headerFields[.contentLength].flatMap(Int.init).map { $0 > maxBodyBytes } ?? false
            deadline?.cancel()
            deadline = context.eventLoop.assumeIsolated().scheduleTask(in: readTimeout) { [weak self] in
                self?.deadline = nil
                context.close(promise: nil)
            }
            context.fireChannelRead(data)
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
            if bodyBytes > maxBodyBytes { overLimit = true }
            guard !overLimit else {
                // Dropped, not buffered. Once the response is out there is nothing left to say.
                if responded { context.close(promise: nil) }
                return
            }
            context.fireChannelRead(data)
        case .end:
            deadline?.cancel()
            deadline = nil
            context.fireChannelRead(data)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        responded = true
        if overLimit {
            context.writeAndFlush(data, promise: promise)
            context.close(promise: nil)
        } else {
            context.write(data, promise: promise)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }
}

@available(*, unavailable)
extension RequestBodyGuard: Sendable {}
