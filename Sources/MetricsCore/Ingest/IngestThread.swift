#if canImport(Glibc)
import Glibc
#endif

/// What an ingest thread does first: names itself for the kernel and lowers its own priority.
///
/// - The name: Foundation's `Thread.name` never reached the kernel on Linux (`top -H`, `perf`
///   and `/proc/PID/task/*/comm` showed the Dispatch worker's `oot.default-qos` for both ingest
///   threads, docs/performance.md finding 1): corelibs-foundation passes it on only when it is
///   set on the running thread, and even then races `start()`. The thread writes its own.
/// - The priority: ingest is the exporter's batch work, `/metrics` and `/health` its latency
///   work. When the two compete for the host's cores (a backlog being read while Prometheus
///   scrapes), the scrape should win: ingest only falls a few milliseconds further behind, while
///   a slow scrape is a gap in every graph. On Linux the nice value is per thread, and
///   `setpriority(PRIO_PROCESS, 0, …)` sets the calling thread's (man 2 setpriority, NOTES);
///   it changes nothing when a core is free.
package enum IngestThread {
    /// Nice value of the ingest threads relative to the process (0 = the HTTP threads').
    package static let niceness: Int32 = 5

    /// Call first thing on the new thread. `name` is cut to the kernel's 15 bytes; with
    /// `yielding`, the thread's nice value goes up by `niceness`.
    package static func adopt(name: String, yielding: Bool) {
        #if os(Linux)
        // The calling thread's own name file; writing it is prctl(PR_SET_NAME), which Swift
        // cannot call (variadic), and glibc's pthread_setname_np is not imported (_GNU_SOURCE).
        let file = open("/proc/thread-self/comm", O_WRONLY)
        if file >= 0 {
            let bytes = Array(name.utf8.prefix(15))
            _ = bytes.withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
            close(file)
        }
        guard yielding else { return }
        // Relative to the process's main thread, not to the creating thread: the reader is
        // started by the (already lowered) store thread and inherits its value.
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        errno = 0
        let process = getpriority(which, id_t(getpid()))
        if errno == 0 { _ = setpriority(which, 0, process + niceness) }
        #endif
    }
}
