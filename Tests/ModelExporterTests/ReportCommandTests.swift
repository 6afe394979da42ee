import Foundation
import Logging
import MetricsCore
import Testing

/// `model-exporter report` as a rollout script runs it: the exit code is the recommendation,
/// the output is Markdown or JSON, and bad flags or a missing database are told apart from
/// any recommendation.
@Suite(.serialized)
struct ReportCommandTests {
    static let start = 1_764_000_000.0  // 2025-11-24T16:00:00Z

    /// A database of `lines` generated calls of one agent, ingested by the real pipeline.
    static func database(finetunedErrorRate: Double, lines: Int, finetunedCostPer1kTokens: Double = 0.0002,
                         in dir: ScratchDirectory) throws -> String {
        let log = dir.file("calls.jsonl")
        let path = dir.file("calls.sqlite")
        let profile = CallLogGenerator.Profile(
            agents: ["qa_agent"],
            baseline: .init(errorRate: 0.02, medianLatencyMs: 700, costPer1kTokens: 0.0002),
            finetuned: .init(errorRate: finetunedErrorRate, medianLatencyMs: 700, costPer1kTokens: finetunedCostPer1kTokens),
            finetunedShare: 0.5, fallbackRescue: 0.9)
        var generator = CallLogGenerator(seed: 5, startTimestamp: start, profile: profile)
        let text = (0..<lines).map { _ in generator.nextLine() + "\n" }.joined()
        _ = FileManager.default.createFile(atPath: log, contents: Data(text.utf8))
        let store = try CallStore(path: path, buckets: .default, logger: Logger(label: "test"))
        let ingestor = try CallIngestor(configuration: IngestConfiguration(calllogPath: log), store: store, logger: Logger(label: "test"))
        while true {
            let outcome = ingestor.step()
            if outcome.caughtUp && outcome.lines == 0 { break }
        }
        return path
    }

    /// The window around the generated calls, in the three accepted forms.
    static let window = ["--since", "\(Int(start))", "--until", "2025-11-25T00:00:00Z"]

    @Test func plantedWorseFinetunedExitsFourWithARollBack() async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let db = try Self.database(finetunedErrorRate: 0.15, lines: 4000, in: dir)
        let run = try await ExporterProcess.run(["report", "--storage.path", db] + Self.window, in: dir.path)
        let text = String(decoding: run.stdout, as: UTF8.self)
        #expect(run.exit.status == 4 && !run.exit.bySignal, "\(run.exit): \(run.stderr)")
        #expect(text.contains("**Recommendation: roll back** (exit 4)"), "\(text)")
        #expect(text.contains("## qa_agent: roll back"))
        #expect(text.contains("first-attempt error rate"))
        #expect(run.stderr.isEmpty, "\(run.stderr)")
    }

    @Test func jsonFormatForMachines() async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let db = try Self.database(finetunedErrorRate: 0.15, lines: 4000, in: dir)
        let run = try await ExporterProcess.run(["report", "--storage.path", db, "--format", "json", "--agent", "qa_agent"] + Self.window,
                                                in: dir.path)
        #expect(run.exit.status == 4)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout)) as? [String: Any])
        #expect(object["recommendation"] as? String == "roll_back")
        #expect(object["exit_code"] as? Int == 4)
        let window = try #require(object["window"] as? [String: Any])
        #expect(window["since"] as? String == "2025-11-24T16:00:00.000Z")
        #expect(window["until"] as? String == "2025-11-25T00:00:00.000Z")
    }

    @Test func equalArmsExitZeroAndTooFewCallsExitThree() async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let db = try Self.database(finetunedErrorRate: 0.02, lines: 3000, in: dir)
        let proceed = try await ExporterProcess.run(["report", "--storage.path", db] + Self.window, in: dir.path)
        #expect(proceed.exit == .success, "\(proceed.stderr)\n\(String(decoding: proceed.stdout, as: UTF8.self))")
        let hold = try await ExporterProcess.run(["report", "--storage.path", db, "--min-samples", "5000"] + Self.window, in: dir.path)
        #expect(hold.exit.status == 3)
        #expect(String(decoding: hold.stdout, as: UTF8.self).contains("not enough data"))
        // Nothing in the last 24 hours (the calls are from 2025): hold, not proceed.
        let empty = try await ExporterProcess.run(["report", "--storage.path", db], in: dir.path)
        #expect(empty.exit.status == 3)
        #expect(String(decoding: empty.stdout, as: UTF8.self).contains("no calls in the window"))
    }

    @Test(arguments: [
        (["--since", "yesterday"], "--since"),
        (["--until", "3x"], "--until"),
        (["--since", "1h", "--until", "2h"], "must be before"),
        (["--format", "yaml"], "--format"),
        (["--min-samples", "0"], "--min-samples"),
        (["--min-samples", "many"], "--min-samples"),
        (["--max-cost-increase", "-0.1"], "--max-cost-increase"),
        (["--max-cost-increase=-1"], "--max-cost-increase"),
        (["--max-cost-increase", "nan"], "--max-cost-increase"),
        (["--max-cost-increase", "inf"], "--max-cost-increase"),
        (["--max-cost-increase", "a lot"], "--max-cost-increase"),
        (["--rollout.current-percent", "30"], "--rollout.current-percent"),
        (["--rollout.current-percent", "0"], "--rollout.current-percent"),
        (["--rollout.current-percent", "10%"], "--rollout.current-percent"),
    ])
    func badFlagValuesExitOne(arguments: [String], mention: String) async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let run = try await ExporterProcess.run(["report", "--storage.path", dir.file("none.sqlite")] + arguments, in: dir.path)
        #expect(run.exit.status == 1 && !run.exit.bySignal, "\(run.exit): \(run.stderr)")
        #expect(run.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }.count == 1, "\(run.stderr)")
        #expect(run.stderr.contains(mention), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    @Test func aDearerFinetunedHoldsUnlessTheCostShareAllowsIt() async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        // 50% dearer per token, equal otherwise.
        let db = try Self.database(finetunedErrorRate: 0.02, lines: 3000, finetunedCostPer1kTokens: 0.0003, in: dir)
        let hold = try await ExporterProcess.run(["report", "--storage.path", db] + Self.window, in: dir.path)
        let text = String(decoding: hold.stdout, as: UTF8.self)
        #expect(hold.exit.status == 3, "\(hold.exit): \(hold.stderr)\n\(text)")
        #expect(text.contains("fine-tuned costs $"), "\(text)")
        let allowed = try await ExporterProcess.run(["report", "--storage.path", db, "--max-cost-increase", "0.8"] + Self.window,
                                                    in: dir.path)
        #expect(allowed.exit == .success, "\(allowed.stderr)\n\(String(decoding: allowed.stdout, as: UTF8.self))")
    }

    @Test func aProceedNamesTheNextRolloutStage() async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let db = try Self.database(finetunedErrorRate: 0.02, lines: 3000, in: dir)
        let run = try await ExporterProcess.run(["report", "--storage.path", db, "--rollout.current-percent", "50"] + Self.window,
                                                in: dir.path)
        let text = String(decoding: run.stdout, as: UTF8.self)
        #expect(run.exit == .success, "\(run.stderr)\n\(text)")
        #expect(text.contains("next stage 100%"), "\(text)")
        let json = try await ExporterProcess.run(["report", "--storage.path", db, "--format", "json", "--rollout.current-percent", "100"]
                                                 + Self.window, in: dir.path)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any])
        let rollout = try #require((object["agents"] as? [[String: Any]])?.first?["rollout"] as? [String: Any])
        #expect(rollout["fully_rolled_out"] as? Bool == true)
        let plain = try await ExporterProcess.run(["report", "--storage.path", db] + Self.window, in: dir.path)
        #expect(!String(decoding: plain.stdout, as: UTF8.self).contains("stage"))
    }

    @Test func aMissingDatabaseExitsTwo() async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let run = try await ExporterProcess.run(["report", "--storage.path", dir.file("none.sqlite")], in: dir.path)
        #expect(run.exit.status == 2, "\(run.exit): \(run.stderr)")
        #expect(run.stderr.contains("no database at"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("none.sqlite")), "the report must not create a database")
    }

    @Test func anUnknownFlagIsTheArgumentParsersUsageError() async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let run = try await ExporterProcess.run(["report", "--sinse", "24h"], in: dir.path)
        #expect(run.exit.status == 64, "\(run.exit): \(run.stderr)")
    }
}
