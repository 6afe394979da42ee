import CompressNIO
import Foundation
import Hummingbird
import MetricsCore
import NIOCore
import NIOPosix
import Synchronization

/// Answers a scrape: OpenMetrics when the `Accept` header asks for it, text 0.0.4 otherwise;
/// gzip when `Accept-Encoding` allows it. The rendered and compressed bodies are cached per
/// snapshot generation, so fifty scrapers of an unchanged snapshot cost one rendering and
/// one compression between them.
///
/// When a new generation arrives (every commit: up to 20 a second during a backlog), ONE
/// request renders and compresses it (single flight) while the requests that arrive meanwhile
/// get the previous generation's body at once, as if they had come a few milliseconds earlier.
/// Before this, every concurrent scrape of a new generation rendered and gzipped the 816 KiB
/// body itself, and those renders were the /metrics tail under load (issue 14,
/// docs/performance.md). A body served is never older than one served before it: the cache
/// only moves forward, and a scrape with no body of its format yet renders its own.
///
/// The render itself runs on a thread of its own (`renderPool`), not on the task that asked:
/// request handlers run on Swift's cooperative pool, one thread per core, and a render of the
/// 816 KiB body plus its gzip held one of the two threads here for milliseconds, twenty times
/// a second while ingesting, so every request queued behind it waited that long (measured in
/// docs/performance.md, item 6). The asking request awaits the result; its thread goes on
/// serving cached bodies to the others.
final class MetricsEndpoint: Sendable {
    let board: MetricsBoard
    private let cache = Mutex<[CacheKey: Entry]>([:])

    /// One thread for every endpoint of the process: renders are single-flight per format, so
    /// there is rarely more than one at a time, and a second thread would only take CPU from
    /// the scrapes it is meant to spare. Started once, for the process's lifetime.
    private static let renderPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()

    struct CacheKey: Hashable {
        var format: ExpositionFormat
        var gzip: Bool
    }

    private struct Entry {
        var generation: UInt64 = 0
        var body: ByteBuffer?
        /// A request is rendering a newer generation for this key.
        var rendering = false
    }

    private enum Plan {
        case serve(ByteBuffer)
        /// Render; `owner` when this request took the single flight (and must release it).
        case render(owner: Bool)
    }

    init(board: MetricsBoard) {
        self.board = board
    }

    func response(accept: String?, acceptEncoding: String?) async -> Response {
        let format = ExpositionFormat.negotiate(accept: accept)
        let gzip = Self.acceptsGzip(acceptEncoding)
        var headers: HTTPFields = [.contentType: format.contentType, .vary: "Accept, Accept-Encoding"]
        if gzip { headers[.contentEncoding] = "gzip" }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: await body(format: format, gzip: gzip)))
    }

    /// The body of a scrape in `format`, gzipped when asked.
    func body(format: ExpositionFormat, gzip: Bool) async -> ByteBuffer {
        let key = CacheKey(format: format, gzip: gzip)
        let current = board.generation
        let plan: Plan = cache.withLock { cache in
            var entry = cache[key] ?? Entry()
            if let body = entry.body, entry.generation >= current { return .serve(body) }
            if let body = entry.body, entry.rendering { return .serve(body) }
            let owner = !entry.rendering
            entry.rendering = true
            cache[key] = entry
            return .render(owner: owner)
        }
        var body: ByteBuffer
        switch plan {
        case let .serve(cached):
            body = cached
        case let .render(owner):
            let board = board
            let render: @Sendable () -> (UInt64, ByteBuffer) = { Self.render(board, format: format, gzip: gzip) }
            // Inline only when the pool is gone (never while the process runs).
            let (generation, rendered) = (try? await Self.renderPool.runIfActive(render)) ?? render()
            body = rendered
            cache.withLock { cache in
                var entry = cache[key] ?? Entry()
                if owner { entry.rendering = false }
                if entry.body == nil || entry.generation < generation {
                    entry.generation = generation
                    entry.body = rendered
                }
                cache[key] = entry
            }
        }
        return body
    }

    /// The latest snapshot's exposition and its generation, gzipped when asked.
    private static func render(_ board: MetricsBoard, format: ExpositionFormat, gzip: Bool) -> (UInt64, ByteBuffer) {
        let (generation, bytes) = board.exposition(format)
        var body = ByteBuffer(bytes: bytes)
        if gzip, let compressed = try? body.compress(with: .gzip()) {
            body = compressed
        }
        return (generation, body)
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
