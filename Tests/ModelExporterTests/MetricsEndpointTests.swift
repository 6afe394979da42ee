import Foundation
import MetricsCore
import NIOCore
import Testing
@testable import ModelExporter

/// `MetricsEndpoint` renders a new generation once (single flight) and may answer the scrapes
/// that arrive meanwhile with the previous body. What must hold whatever the interleaving: a
/// scrape after a publish, with no render in flight, sees that publish; and no scraper ever
/// sees a counter go backwards.
@Suite struct MetricsEndpointTests {
    static func snapshot(accepted: UInt64) -> MetricsSnapshot {
        var snapshot = MetricsSnapshot()
        snapshot.counters.acceptedLines = accepted
        snapshot.catchUpComplete = true
        return snapshot
    }

    /// The value of `model_exporter_accepted_lines_total` in a plain-text scrape.
    static func accepted(_ endpoint: MetricsEndpoint) async throws -> UInt64 {
        let text = String(buffer: await endpoint.body(format: .prometheusText, gzip: false))
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("model_exporter_accepted_lines_total ") })
        return try #require(UInt64(line.split(separator: " ")[1]))
    }

    @Test func aScrapeAfterAPublishSeesIt() async throws {
        let board = MetricsBoard()
        let endpoint = MetricsEndpoint(board: board)
        for value: UInt64 in [1, 2, 3, 50] {
            board.publish(Self.snapshot(accepted: value))
            #expect(try await Self.accepted(endpoint) == value)
        }
    }

    @Test func concurrentScrapersNeverSeeACounterGoBackAndEndOnTheLastPublish() async throws {
        let board = MetricsBoard()
        let endpoint = MetricsEndpoint(board: board)
        board.publish(Self.snapshot(accepted: 0))
        let publishes: UInt64 = 300
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for value in 1...publishes { board.publish(Self.snapshot(accepted: value)) ; await Task.yield() }
            }
            for _ in 0..<6 {
                group.addTask {
                    var last: UInt64 = 0
                    while last < publishes {
                        let seen = try await Self.accepted(endpoint)
                        #expect(seen >= last, "went back from \(last) to \(seen)")
                        last = seen
                        await Task.yield()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await Self.accepted(endpoint) == publishes)
    }
}
