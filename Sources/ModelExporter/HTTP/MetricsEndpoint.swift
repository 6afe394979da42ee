import CompressNIO
import Foundation
import Hummingbird
import MetricsCore
import NIOCore
import Synchronization

/// Answers a scrape: OpenMetrics when the `Accept` header asks for it, text 0.0.4 otherwise;
/// gzip when `Accept-Encoding` allows it. The rendered and compressed bodies are cached per
/// snapshot generation, so fifty scrapers of an unchanged snapshot cost one rendering and
/// one compression between them.
final class MetricsEndpoint: Sendable {
    let board: MetricsBoard
    private let cache = Mutex<[CacheKey: (generation: UInt64, body: ByteBuffer)]>([:])

    struct CacheKey: Hashable {
        var format: ExpositionFormat
        var gzip: Bool
    }

    init(board: MetricsBoard) {
        self.board = board
    }

    func response(accept: String?, acceptEncoding: String?) -> Response {
        let format = ExpositionFormat.negotiate(accept: accept)
        let gzip = Self.acceptsGzip(acceptEncoding)
        let key = CacheKey(format: format, gzip: gzip)
        let (generation, bytes) = board.exposition(format)
        var body: ByteBuffer
        if let cached = cache.withLock({ $0[key] }), cached.generation == generation {
            body = cached.body
        } else {
            body = ByteBuffer(bytes: bytes)
            if gzip, let compressed = try? body.compress(with: .gzip()) {
                body = compressed
            }
            cache.withLock { $0[key] = (generation, body) }
        }
        var headers: HTTPFields = [.contentType: format.contentType, .vary: "Accept, Accept-Encoding"]
        if gzip { headers[.contentEncoding] = "gzip" }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    /// Whether `Accept-Encoding` lists gzip (or `*`) with a non-zero quality.
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for part in header.split(separator: ",") {
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let coding = fields.first?.lowercased(), coding == "gzip" || coding == "*" else { continue }
            let q = fields.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if q > 0 { return true }
        }
        return false
    }
}
