import Foundation

/// The one poll-with-a-deadline of every test target (`ModelExporterTests`, `FleetReplicaTests`):
/// a test that waits for something checks the condition itself, again and again, and fails
/// with what it waited for once the deadline passes. The short pause between two checks is the
/// only sleep of these waits; it yields the thread and never stands in for an event. (The
/// Python drivers' twin is `scripts/pylib/localproc.py`'s `poll`.)
package struct PollTimeout: Error, CustomStringConvertible {
    package var description: String
}

/// Calls `check` every `interval` until it returns a value; throws `PollTimeout` once
/// `seconds` have passed on `clock` (`check` runs at least once). The deadline is on a
/// monotonic clock, not the wall clock, so a clock step cannot cut a wait short or stretch it;
/// a test of time-dependent code passes the clock that code runs on.
@discardableResult
package func eventually<T, C: Clock<Duration>>(
    within seconds: Double, every interval: Duration = .milliseconds(10), clock: C = ContinuousClock(),
    what: @autoclosure () -> String, _ check: () throws -> T?
) async throws -> T {
    let deadline = clock.now.advanced(by: .seconds(seconds))
    while true {
        if let value = try check() { return value }
        guard clock.now < deadline else { throw PollTimeout(description: "timed out after \(seconds) s waiting for \(what())") }
        try await clock.sleep(for: interval)
    }
}

/// ``eventually(within:every:clock:what:_:)`` for synchronous callers (a server's start and stop in
/// a test's setup and teardown), blocking the calling thread between checks.
@discardableResult
package func eventuallyBlocking<T>(within seconds: Double, every interval: Duration = .milliseconds(20),
                                   what: @autoclosure () -> String, _ check: () throws -> T?) throws -> T {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: .seconds(seconds))
    let pause = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
    while true {
        if let value = try check() { return value }
        guard clock.now < deadline else { throw PollTimeout(description: "timed out after \(seconds) s waiting for \(what())") }
        Thread.sleep(forTimeInterval: pause)
    }
}
