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
/// `seconds` have passed (`check` runs at least once).
@discardableResult
package func eventually<T>(within seconds: Double, every interval: Duration = .milliseconds(10),
                           what: @autoclosure () -> String, _ check: () throws -> T?) async throws -> T {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        if let value = try check() { return value }
        guard Date() < deadline else { throw PollTimeout(description: "timed out after \(seconds) s waiting for \(what())") }
        try await Task.sleep(for: interval)
    }
}

/// ``eventually(within:every:what:_:)`` for synchronous callers (a server's start and stop in
/// a test's setup and teardown), blocking the calling thread between checks.
@discardableResult
package func eventuallyBlocking<T>(within seconds: Double, every interval: Duration = .milliseconds(20),
                                   what: @autoclosure () -> String, _ check: () throws -> T?) throws -> T {
    let deadline = Date().addingTimeInterval(seconds)
    let pause = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
    while true {
        if let value = try check() { return value }
        guard Date() < deadline else { throw PollTimeout(description: "timed out after \(seconds) s waiting for \(what())") }
        Thread.sleep(forTimeInterval: pause)
    }
}
