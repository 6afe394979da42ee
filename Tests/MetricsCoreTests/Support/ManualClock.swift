import Synchronization
@testable import MetricsCore

/// A monotonic clock that moves only when a test says so: rotation graces and glob rescans
/// run out on `advance(by:)`, never on the machine's time, so a tailer test neither sleeps nor
/// fails on a loaded machine that took longer than a grace between two polls.
///
/// Behind a `Mutex` because a `CallIngestor`'s reader thread reads it while the test thread
/// advances it.
final class ManualClock: Sendable {
    private let seconds: Mutex<Double>

    init(at start: Double = 0) {
        seconds = Mutex(start)
    }

    var now: Double { seconds.withLock { $0 } }

    func advance(by interval: Double) {
        precondition(interval >= 0, "a monotonic clock never goes back")
        seconds.withLock { $0 += interval }
    }

    /// The clock to hand to `CallLogTailer`, `CallLogSet` or `IngestConfiguration.tailClock`.
    var clock: MonotonicClock { MonotonicClock { [self] in now } }
}
