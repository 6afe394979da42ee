import Foundation
import Testing
@testable import MetricsCore

/// The lock itself, in one process: `flock` locks belong to an open file description, so a
/// second `DatabaseLock` on the same path conflicts here just as a second process would.
@Suite
struct DatabaseLockTests {
    @Test
    func aSecondLockOnTheSameDatabaseNamesTheHolder() throws {
        let dir = TemporaryDirectory()
        let database = dir.file("calls.sqlite")
        let first = try DatabaseLock(databasePath: database)
        #expect(first.path == database + ".lock")
        let contents = try String(contentsOfFile: first.path, encoding: .utf8)
        #expect(contents == "\(getpid())\n")
        #expect(throws: DatabaseLockError.self) { _ = try DatabaseLock(databasePath: database) }
        do {
            _ = try DatabaseLock(databasePath: database)
        } catch {
            #expect(error.reason == .held(pid: getpid()))
            #expect(error.description.contains(database))
            #expect(error.description.contains("process \(getpid())"))
        }
        withExtendedLifetime(first) {}
    }

    @Test
    func releasingTheLockLetsTheNextOwnerIn() throws {
        let dir = TemporaryDirectory()
        let database = dir.file("calls.sqlite")
        // A dead holder's pid in the file is no obstacle: only a held flock is.
        try "999999\n".write(toFile: database + ".lock", atomically: false, encoding: .utf8)
        var first: DatabaseLock? = try DatabaseLock(databasePath: database)
        #expect(first != nil)
        first = nil
        let second = try DatabaseLock(databasePath: database)
        #expect(try String(contentsOfFile: second.path, encoding: .utf8) == "\(getpid())\n")
    }

    @Test
    func aMissingDirectoryIsSaidPlainly() {
        do {
            _ = try DatabaseLock(databasePath: "/nonexistent-dir-for-lock-test/calls.sqlite")
            Issue.record("a lock in a missing directory must fail")
        } catch {
            guard case .cannotOpen = error.reason else { Issue.record("\(error.reason)"); return }
            #expect(error.description.contains("/nonexistent-dir-for-lock-test/calls.sqlite"))
        }
    }
}
