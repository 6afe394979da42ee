import Dispatch
import Synchronization

/// Runs fleet work for a synchronous caller (the `query` and `report` commands, which are
/// `ParsableCommand`s like their SQLite paths): the caller waits on a semaphore while a
/// detached task does the work on the cooperative pool, and PostgresNIO's I/O runs on its own
/// event loop, so the wait holds up neither.
func waitingFor<Value: Sendable>(_ work: @escaping @Sendable () async throws(FleetQueryError) -> Value) throws(FleetQueryError) -> Value {
    let outcome = Mutex<Result<Value, FleetQueryError>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        let result: Result<Value, FleetQueryError>
        do throws(FleetQueryError) {
            result = .success(try await work())
        } catch {
            result = .failure(error)
        }
        outcome.withLock { $0 = result }
        done.signal()
    }
    done.wait()
    return try outcome.withLock { $0! }.get()
}
