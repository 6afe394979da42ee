import Synchronization

/// Where the ingest thread publishes its latest snapshot and scrapes read it.
///
/// A lock around a small value (the snapshot is copy-on-write): publishing swaps it in, a
/// scrape copies it out. Neither ever waits on I/O while holding the lock, so a scrape is
/// answered promptly however heavy ingest is. Rendered exposition is cached per generation,
/// so concurrent scrapes of an unchanged snapshot share one rendering.
public final class MetricsBoard: Sendable {
    private struct State {
        var snapshot = MetricsSnapshot()
        var generation: UInt64 = 0
        var rendered: (generation: UInt64, bytes: [UInt8])?
    }

    private let state = Mutex(State())

    public init() {}

    public func publish(_ snapshot: MetricsSnapshot) {
        state.withLock {
            $0.snapshot = snapshot
            $0.generation &+= 1
        }
    }

    public var snapshot: MetricsSnapshot {
        state.withLock { $0.snapshot }
    }

    /// The text exposition of the latest snapshot, rendered at most once per generation.
    /// Rendering happens outside the lock; two scrapes racing on a new generation may both
    /// render, which is harmless.
    public func exposition() -> [UInt8] {
        let (snapshot, generation, cached) = state.withLock { ($0.snapshot, $0.generation, $0.rendered) }
        if let cached, cached.generation == generation { return cached.bytes }
        let bytes = ExpositionWriter.write(snapshot)
        state.withLock {
            if ($0.rendered?.generation ?? 0) < generation || $0.rendered == nil {
                $0.rendered = (generation, bytes)
            }
        }
        return bytes
    }
}
