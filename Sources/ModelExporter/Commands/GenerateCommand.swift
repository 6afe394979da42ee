import ArgumentParser
import Foundation
import MetricsCore

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a deterministic synthetic call log (for tests and benchmarks).")

    @Option(help: "Number of lines.") var lines: Int
    @Option(help: "Seed: the same seed gives the same bytes.") var seed: UInt64 = 1
    @Option(help: "File to write (appended to if it exists); - for stdout.") var output: String
    @Option(name: .customLong("bad-rate"), help: "Share of malformed lines, 0...1.") var badRate: Double = 0
    @Option(help: "Timestamp of the first line: RFC 3339 or epoch seconds (default: lines before now at the given rate).")
    var start: String?
    @Option(help: "Simulated requests per second (spacing of timestamps).") var rate: Double = 50

    func validate() throws {
        guard lines >= 0 else { throw ValidationError("--lines must be ≥ 0") }
        guard (0...1).contains(badRate) else { throw ValidationError("--bad-rate must be between 0 and 1") }
        guard rate > 0, rate.isFinite else { throw ValidationError("--rate must be a positive number") }
        if let start, Self.timestamp(start) == nil {
            throw ValidationError("--start \"\(start)\" is neither RFC 3339 (2026-11-27T07:00:00Z) nor epoch seconds")
        }
    }

    static func timestamp(_ text: String) -> Double? {
        if let seconds = Double(text), seconds.isFinite, seconds >= 0 { return seconds }
        return Array(text.utf8).withUnsafeBytes { RFC3339Timestamp.parse($0) }
    }

    func run() throws {
        let startTimestamp = start.flatMap(Self.timestamp) ?? (WallClock.now() - Double(lines) / rate).rounded()
        var generator = CallLogGenerator(seed: seed, startTimestamp: startTimestamp, requestsPerSecond: rate, badRate: badRate)
        let handle: FileHandle
        if output == "-" {
            handle = .standardOutput
        } else {
            if !FileManager.default.fileExists(atPath: output) {
                guard FileManager.default.createFile(atPath: output, contents: nil) else {
                    throw ValidationError("cannot create \(output)")
                }
            }
            guard let file = FileHandle(forWritingAtPath: output) else { throw ValidationError("cannot open \(output) for writing") }
            file.seekToEndOfFile()
            handle = file
        }
        var chunk: [UInt8] = []
        chunk.reserveCapacity(1 << 20)
        for _ in 0..<lines {
            var line = generator.nextLine()
            line.withUTF8 { chunk.append(contentsOf: $0) }
            chunk.append(0x0A)
            if chunk.count >= 1 << 20 {
                handle.write(Data(chunk))
                chunk.removeAll(keepingCapacity: true)
            }
        }
        handle.write(Data(chunk))
        if output != "-" { try handle.close() }
    }
}
