import Foundation
import Glibc

/// `model-exporter serve` of this package's build (`.build/debug/model-exporter`, built by
/// `swift build --build-tests`) as a child process, for the kill -9 tests. Output goes to a
/// file in the test's directory so a chatty child never blocks on a pipe. Killed with its owner.
final class ServeProcess {
    private let process = Process()
    let outputPath: String

    static let binaryPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug/model-exporter").path

    init(_ arguments: [String], in directory: String) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binaryPath) else {
            throw LocalPostgresError("\(Self.binaryPath) is missing: run `swift build --build-tests` before `swift test --skip-build`")
        }
        outputPath = directory + "/serve-\(UUID().uuidString.prefix(6)).log"
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        let handle = FileHandle(forWritingAtPath: outputPath)!
        process.executableURL = URL(fileURLWithPath: Self.binaryPath)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("MODEL_EXPORTER_") && $0.key != "NOTIFY_SOCKET" }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? handle.close()
    }

    deinit {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }

    var isRunning: Bool { process.isRunning }
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// kill -9, waited for.
    func kill9() async throws {
        Glibc.kill(process.processIdentifier, SIGKILL)
        try await poll("the exporter gone after kill -9", timeout: 30) { !process.isRunning }
    }
}
