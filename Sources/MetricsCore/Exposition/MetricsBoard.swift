import Synchronization

/// Where the ingest thread publishes its latest snapshot and scrapes read it.
///
/// A lock around a small value (the snapshot is copy-on-write): publishing swaps it in, a
/// scrape copies it out. Neither ever waits on I/O while holding the lock, so a scrape is
/// answered promptly however heavy ingest is. Rendered exposition is cached per generation,
/// so concurrent scrapes of an unchanged snapshot share one rendering.
package final class MetricsBoard: Sendable {
    private struct State {
        var snapshot = MetricsSnapshot()
        var generation: UInt64 = 0
        var rendered: [ExpositionFormat: (generation: UInt64, bytes: [UInt8])] = [:]
    }

    private let state = Mutex(State())
    /// Monotonic time of the ingest loop's last turn (0 before the first): proves the loop is
    /// alive to the systemd watchdog. Beside the snapshot, not in it, so beating ten times a
    /// second does not make a new generation of the snapshot.
    private let lastBeat = Mutex(0.0)

    package init() {}

    package func publish(_ snapshot: MetricsSnapshot) {
        state.withLock {
            // The replica's part is the shipper's to publish; an ingest snapshot keeps it.
            let replica = $0.snapshot.replica
            $0.snapshot = snapshot
            $0.snapshot.replica = replica
            $0.generation &+= 1
        }
    }

    /// The replica shipper's state, published from its own task; a new generation only when
    /// it changed, so an idle shipper does not invalidate the rendered exposition.
    package func publishReplica(_ replica: ReplicaMetrics) {
        state.withLock {
            guard $0.snapshot.replica != replica else { return }
            $0.snapshot.replica = replica
            $0.generation &+= 1
        }
    }

    /// The ingest loop is alive: called on each turn of the loop.
    package func beat(at time: Double = WallClock.monotonic()) {
        lastBeat.withLock { $0 = time }
    }

    /// Monotonic time of the last `beat`, 0 before the first.
    package var heartbeat: Double { lastBeat.withLock { $0 } }

    /// The generation of the latest snapshot: bumped by every publish that changed it.
    package var generation: UInt64 {
        state.withLock { $0.generation }
    }

    package var snapshot: MetricsSnapshot {
        state.withLock { $0.snapshot }
    }

    /// The exposition of the latest snapshot, rendered at most once per generation and format.
    /// Rendering happens outside the lock; two scrapes racing on a new generation may both
    /// render, which is harmless.
    package func exposition(_ format: ExpositionFormat = .prometheusText) -> (generation: UInt64, bytes: [UInt8]) {
        let (snapshot, generation, cached) = state.withLock { ($0.snapshot, $0.generation, $0.rendered[format]) }
        if let cached, cached.generation == generation { return cached }
        let bytes = ExpositionWriter.write(snapshot, format: format)
        state.withLock {
            if ($0.rendered[format]?.generation ?? 0) < generation {
                $0.rendered[format] = (generation, bytes)
            }
        }
        return (generation, bytes)
    }
}
