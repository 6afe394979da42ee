import HummingbirdCore
import NIOCore

/// Bounds on what one client can make the server hold or wait for. Every endpoint is a GET
/// answered from memory or a short SQLite query, so the limits are tight: nothing legitimate
/// comes near them, and a slow or oversized client is cut off early.
struct HTTPLimits: Sendable {
    /// A request body is never read by any route; a few KiB are tolerated, more get 413 and the
    /// connection is closed once the response is out.
    var maxBodyBytes = 4096
    /// From a request's head to the end of its body. A client that has sent its headers but
    /// trickles the body (a slow POST) is closed after this.
    var requestReadTimeout: TimeAmount = .seconds(10)
    /// A connection with no request in progress is closed after this. Hummingbird's idle timer
    /// counts only complete HTTP parts, so it is also the deadline for a request head: a client
    /// sending its headers a byte at a time (slowloris) is closed this long after connecting or
    /// after its previous response. Longer than Prometheus' default 15 s scrape interval, so
    /// a scraper keeps its connection (and its TLS session) between scrapes.
    var idleTimeout: TimeAmount = .seconds(30)
    /// NIO's parser answers 400 and closes past these (its defaults are 80 KiB). The field
    /// limit applies to the URL too.
    var maxHeaderFieldBytes = 8192
    var maxHeaderListBytes = 16384
    var maxHeaderFields = 64
    /// Connections beyond this wait in the listen backlog: far more than a Prometheus pair and a
    /// few people need, far fewer than the open-file limit that the call log and SQLite share.
    var maxConnections = 256

    static let standard = HTTPLimits()

    var http1Configuration: HTTP1Channel.Configuration {
        let maxBodyBytes = maxBodyBytes
        let requestReadTimeout = requestReadTimeout
        return HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestBodyGuard(maxBodyBytes: maxBodyBytes, readTimeout: requestReadTimeout)],
            idleTimeout: idleTimeout,
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: maxHeaderFieldBytes, maxHeaderListSize: maxHeaderListBytes, maxHeaderFieldCount: maxHeaderFields))
    }
}
