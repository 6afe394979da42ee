import Foundation
import MetricsCore
import Testing

@testable import ModelExporter

/// `--metrics.ttft-buckets` through the layers: the default, a flag, the environment, and a
/// refused list naming where it came from. The rebuild on a changed database is
/// `CallStoreHistogramRebuildTests`; the exposition with other bounds is checked here end to end.
struct ExporterSettingsHistogramTests {
    @Test func ttftBucketsDefaultFlagAndEnvironment() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        var flags = ExporterSettingsTests.required(dir)
        #expect(try ExporterSettings.resolve(flags: flags, environment: [:], configFile: nil).ttftBuckets == .timeToFirstToken)
        let environment = ["MODEL_EXPORTER_METRICS_TTFT_BUCKETS": "0.5,2.5"]
        #expect(try ExporterSettings.resolve(flags: flags, environment: environment, configFile: nil).ttftBuckets.bounds == [0.5, 2.5])
        flags["metrics.ttft-buckets"] = "0.1, 1, 10"
        let settings = try ExporterSettings.resolve(flags: flags, environment: environment, configFile: nil)
        #expect(settings.ttftBuckets.bounds == [0.1, 1, 10])
        #expect(settings.ingestConfiguration.ttftBuckets.bounds == [0.1, 1, 10])
    }

    @Test func aBadListIsRefusedWithItsOrigin() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        for bad in ["0.1,soon", "2,1", "0,1"] {
            var flags = ExporterSettingsTests.required(dir)
            flags["metrics.ttft-buckets"] = bad
            do {
                _ = try ExporterSettings.resolve(flags: flags, environment: [:], configFile: nil)
                Issue.record("\(bad) must be refused")
            } catch {
                #expect(error.problems.count == 1 && error.problems[0].contains("--metrics.ttft-buckets"), "\(error.problems)")
            }
        }
    }

    /// The served histogram has the configured bounds, and only those.
    @Test func servedTTFTHistogramHasTheConfiguredBounds() async throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let log = dir.file("calls.jsonl")
        try await HTTPEndpointTests.generate(lines: 500, seed: 31, badRate: 0, into: log, in: dir)
        let exporter = try ExporterProcess(
            ["serve", "--calllog.path", log, "--storage.path", dir.file("calls.sqlite"), "--web.listen-address", "127.0.0.1:0",
             "--metrics.ttft-buckets", "0.1,1,10"], in: dir.path)
        try await exporter.waitForPort()
        _ = try await exporter.waitForCatchUp(of: log)
        let text = try exporter.get("/metrics").text
        let bounds = Set(text.split(separator: "\n").filter { $0.hasPrefix("model_time_to_first_token_seconds_bucket{") }
            .compactMap { $0.firstMatch(of: /le="([^"]+)"/).map { String($0.1) } })
        #expect(bounds == ["0.1", "1", "10", "+Inf"], "\(bounds)")
        #expect(try await exporter.terminate() == .success)
    }
}
