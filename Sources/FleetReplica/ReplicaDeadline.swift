import Synchronization

/// Runs `body`, or fails with a timeout after `deadline`, calling `onTimeout` (which closes
/// the connection) and abandoning the body.
///
/// Why not a task group: a group waits for every child before it returns, and a PostgresNIO
/// query on a connection whose server was killed can wait forever, even after the connection
/// is closed (a request written to a closed channel is dropped with its continuation: seen
/// here with `postgreSQLKilledDuringABatchLosesAndDoublesNothing`). So the body runs in a task
/// of its own, which this function stops waiting for at the deadline; the abandoned task is
/// cancelled, and at worst lingers holding one batch's memory, which beats a shipper stuck for
/// good.
func withDeadline<T: Sendable>(_ deadline: Duration, onTimeout: @escaping @Sendable () -> Void,
                               _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let race = DeadlineRace<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            race.start(continuation)
            let work = Task {
                do {
                    race.finish(.success(try await body()))
                } catch {
                    race.finish(.failure(error))
                }
            }
            let timer = Task {
                try? await Task.sleep(for: deadline)
                guard !Task.isCancelled else { return }
                if race.finish(.failure(ReplicaError(kind: .timeout, message:
                    "a PostgreSQL batch did not finish within \(deadline); its connection was closed and it will be retried"))) {
                    onTimeout()
                }
            }
            race.own(work: work, timer: timer)
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// Who finishes first, the body or the timer; the continuation is resumed exactly once, and
/// the loser is cancelled.
private final class DeadlineRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var result: Result<T, any Error>?
        var work: Task<Void, Never>?
        var timer: Task<Void, Never>?
    }

    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            if let result = state.result { return result }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func own(work: Task<Void, Never>, timer: Task<Void, Never>) {
        let finished = state.withLock { state -> Bool in
            state.work = work
            state.timer = timer
            return state.result != nil
        }
        if finished {
            work.cancel()
            timer.cancel()
        }
    }

    /// Returns true when this call decided the outcome.
    @discardableResult
    func finish(_ result: Result<T, any Error>) -> Bool {
        let (continuation, work, timer, won) = state.withLock { state -> (CheckedContinuation<T, any Error>?, Task<Void, Never>?, Task<Void, Never>?, Bool) in
            guard state.result == nil else { return (nil, nil, nil, false) }
            state.result = result
            let continuation = state.continuation
            state.continuation = nil
            return (continuation, state.work, state.timer, true)
        }
        continuation?.resume(with: result)
        if won {
            work?.cancel()
            timer?.cancel()
        }
        return won
    }
}
