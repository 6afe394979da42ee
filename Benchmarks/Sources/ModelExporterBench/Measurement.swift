#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall and CPU time of one timed section, and how many rows (lines) it handled.
struct Measurement {
    var rows: Int
    var seconds: Double
    var cpuSeconds: Double

    var rowsPerSecond: Double { Double(rows) / max(seconds, 1e-9) }

    var json: String {
        "{\"rows\": \(rows), \"seconds\": \(seconds), \"cpu_seconds\": \(cpuSeconds), \"rows_per_second\": \(rowsPerSecond)}"
    }

    /// Times `body`, which returns the number of rows it handled.
    static func time(_ body: () throws -> Int) rethrows -> Measurement {
        let wallStart = monotonic()
        let cpuStart = processCPU()
        let rows = try body()
        return Measurement(rows: rows, seconds: monotonic() - wallStart, cpuSeconds: processCPU() - cpuStart)
    }

    static func monotonic() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// User + system CPU of the process (one thread does all the work here).
    static func processCPU() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
