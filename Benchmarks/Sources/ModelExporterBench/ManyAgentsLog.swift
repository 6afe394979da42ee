#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MetricsCore

/// The product's synthetic log (CallLogGenerator) with `agents` agents named agent_0,
/// agent_1, ... instead of the default five: two series (baseline, fine-tuned) per agent, so
/// 50 agents give 100 series and some 2,000 model sample lines on /metrics.
struct ManyAgentsLog {
    var lines: Int
    var agents: Int
    var seed: UInt64
    var rate: Double

    func write(to path: String) throws(BenchFailure) {
        guard lines >= 0, agents > 0, rate > 0 else { throw BenchFailure("--lines ≥ 0, --agents > 0 and --rate > 0 please") }
        var profile = CallLogGenerator.Profile.default
        profile.agents = (0..<agents).map { "agent_\($0)" }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        // Like `model-exporter generate`: the lines end about now, inside any retention window.
        let start = (Double(now.tv_sec) - Double(lines) / rate).rounded()
        var generator = CallLogGenerator(seed: seed, startTimestamp: start, requestsPerSecond: rate, profile: profile)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchFailure("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var chunk: [UInt8] = []
        chunk.reserveCapacity(1 << 20)
        func flush() throws(BenchFailure) {
            var done = 0
            while done < chunk.count {
                let n = chunk.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
                guard n > 0 else { throw BenchFailure("cannot write \(path): \(String(cString: strerror(errno)))") }
                done += n
            }
            chunk.removeAll(keepingCapacity: true)
        }
        for _ in 0..<lines {
            var line = generator.nextLine()
            line.withUTF8 { chunk.append(contentsOf: $0) }
            chunk.append(0x0A)
            if chunk.count >= 1 << 20 { try flush() }
        }
        try flush()
    }
}
