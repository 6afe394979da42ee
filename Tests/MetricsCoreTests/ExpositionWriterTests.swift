import Foundation
import Testing
@testable import MetricsCore

@Suite struct ExpositionWriterTests {
    static func fixtureSnapshot() -> MetricsSnapshot {
        var aggregator = CallAggregator(buckets: .default, limits: LabelLimits())
        aggregator.add(CallRecord(timestamp: 1_764_227_523.5, requestID: "r1", agent: "qa_agent", model: "ft:open-mistral-7b:5010731d:20251031:ecc3829c",
                                  variant: "finetuned", success: true, fallback: true, fallbackModel: "open-mistral-7b", error: "timeout",
                                  latencyMs: 5200, costUSD: 0.000085, inputTokens: 400, outputTokens: 120))
        aggregator.add(CallRecord(timestamp: 1_764_227_524, agent: "qa_agent", model: "open-mistral-7b", success: false,
                                  error: "server_error", latencyMs: 40, costUSD: 0))
        aggregator.add(CallRecord(timestamp: 1_764_227_525, agent: "qa_agent", model: "open-mistral-7b", success: true,
                                  latencyMs: 250, costUSD: 0.00002, inputTokens: 10, outputTokens: 5,
                                  stream: true, ttftMs: 180, cachedInputTokens: 4, reasoningTokens: 2))
        // Answered by the gateway's cache: counted as a request and a cache hit.
        aggregator.add(CallRecord(timestamp: 1_764_227_526, agent: "qa_agent", model: "open-mistral-7b", success: true,
                                  latencyMs: 3, stream: false, cacheHit: true))
        aggregator.reject(.invalidJSON)
        var snapshot = MetricsSnapshot()
        snapshot.series = aggregator.series
        snapshot.counters = aggregator.counters
        snapshot.counters.readBytes = 1234
        snapshot.calllog = CallLogStatus(path: "/var/log/llm-gateway/calls.jsonl", fileExists: true, readOffset: 1234, fileSize: 1234)
        snapshot.catchUpComplete = true
        snapshot.seriesCount = aggregator.seriesCount
        snapshot.seriesLimit = 1000
        snapshot.lastCommitTime = 1_764_227_530
        snapshot.commits = 3
        snapshot.version = "0.1.0"
        snapshot.startTime = 1_764_227_500
        // timeout and server_error occur; rate_limited exists at zero for every series.
        snapshot.knownErrorTypes = ["rate_limited", "timeout", "server_error"]
        snapshot.costBudgets = CostBudgets(hourly: 20, daily: 200)
        return snapshot
    }

    static var fixtures: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    }

    @Test func knownErrorTypesExistAtZeroAndBudgetsOnlyWhenSet() {
        var snapshot = Self.fixtureSnapshot()
        snapshot.costBudgets = CostBudgets(daily: 200)
        let text = String(decoding: ExpositionWriter.write(snapshot), as: UTF8.self)
        let lines = text.split(separator: "\n")
        let zeroRateLimited = lines.filter { $0.hasPrefix("model_errors_total{") && $0.contains("error_type=\"rate_limited\"") }
        #expect(zeroRateLimited.count == snapshot.series.count)
        #expect(zeroRateLimited.allSatisfy { $0.hasSuffix(" 0") })
        // An error class that occurred keeps its count.
        #expect(lines.contains { $0.hasPrefix("model_errors_total{") && $0.contains("error_type=\"timeout\"") && $0.hasSuffix(" 1") })
        #expect(lines.contains("model_exporter_cost_budget_usd{period=\"day\"} 200"))
        #expect(!text.contains("period=\"hour\""))
        snapshot.costBudgets = CostBudgets()
        #expect(!String(decoding: ExpositionWriter.write(snapshot), as: UTF8.self).contains("model_exporter_cost_budget_usd"))
    }

    /// TTFT and time per output token come only from streamed calls; the fine-tuned series
    /// never streamed, so it has neither histogram, while its token counters exist at zero.
    @Test func streamingHistogramsOnlyForStreamedSeries() {
        let text = String(decoding: ExpositionWriter.write(Self.fixtureSnapshot()), as: UTF8.self)
        let lines = text.split(separator: "\n").map(String.init)
        let baseline = #"agent="qa_agent",model="open-mistral-7b",variant="baseline""#
        #expect(lines.contains("model_time_to_first_token_seconds_bucket{\(baseline),le=\"0.1\"} 0"))
        #expect(lines.contains("model_time_to_first_token_seconds_bucket{\(baseline),le=\"0.25\"} 1"))
        #expect(lines.contains("model_time_to_first_token_seconds_sum{\(baseline)} 0.18"))
        #expect(lines.contains("model_time_to_first_token_seconds_count{\(baseline)} 1"))
        // (250 - 180) ms over the 4 tokens after the first.
        #expect(lines.contains("model_time_per_output_token_seconds_sum{\(baseline)} 0.0175"))
        #expect(lines.contains("model_time_per_output_token_seconds_bucket{\(baseline),le=\"0.01\"} 0"))
        #expect(lines.contains("model_time_per_output_token_seconds_bucket{\(baseline),le=\"0.025\"} 1"))
        #expect(!lines.contains { $0.hasPrefix("model_time_to_first_token_seconds") && $0.contains("finetuned") })
        #expect(lines.contains("model_cache_hits_total{\(baseline)} 1"))
        #expect(lines.contains(#"model_tokens_total{agent="qa_agent",model="open-mistral-7b",variant="baseline",direction="cached_input"} 4"#))
        #expect(lines.contains(#"model_tokens_total{agent="qa_agent",model="open-mistral-7b",variant="baseline",direction="reasoning"} 2"#))
        #expect(lines.contains { $0.hasPrefix(#"model_tokens_total{agent="qa_agent",model="ft:"#) && $0.contains(#"direction="reasoning""#) && $0.hasSuffix(" 0") })
    }

    @Test func matchesGoldenFile() throws {
        let text = String(decoding: ExpositionWriter.write(Self.fixtureSnapshot()), as: UTF8.self)
        let golden = Self.fixtures + "/exposition.golden.prom"
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try text.write(toFile: golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOfFile: golden, encoding: .utf8)
        #expect(text == expected, "exposition differs from \(golden); rerun with UPDATE_GOLDEN=1 after checking the diff")
    }

    @Test func openMetricsMatchesGoldenFile() throws {
        var snapshot = Self.fixtureSnapshot()
        for i in snapshot.series.indices { snapshot.series[i].totals.createdTimestamp = 1_764_227_000 }
        let text = String(decoding: ExpositionWriter.write(snapshot, format: .openMetrics), as: UTF8.self)
        let golden = Self.fixtures + "/exposition.golden.openmetrics"
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try text.write(toFile: golden, atomically: true, encoding: .utf8)
        }
        #expect(text == (try String(contentsOfFile: golden, encoding: .utf8)))
        #expect(text.hasSuffix("# EOF\n"))
        // The finetuned request r1 took 5.2 s: its id is the exemplar of the le="7.5" bucket.
        #expect(text.contains(#"le="7.5"} 1 # {request_id="r1"} 5.2 1764227523.5"#))
        #expect(text.contains("# TYPE model_requests counter\n"))
        #expect(text.contains("# UNIT model_request_duration_seconds seconds\n"))
    }

    @Test(arguments: [
        ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", ExpositionFormat.openMetrics),
        ("text/plain;version=0.0.4", .prometheusText),
        ("application/openmetrics-text; q=0", .prometheusText),
        ("*/*", .prometheusText),
    ])
    func negotiatesTheFormatFromAccept(accept: String, format: ExpositionFormat) {
        #expect(ExpositionFormat.negotiate(accept: accept) == format)
        #expect(ExpositionFormat.negotiate(accept: nil) == .prometheusText)
    }

    @Test func passesPromtoolCheckMetrics() throws {
        let output = try Promtool.checkMetrics(ExpositionWriter.write(Self.fixtureSnapshot()))
        #expect(output.status == 0, "promtool check metrics: \(output.text)")
    }

    @Test func bothOutcomesArePresentFromTheFirstLine() {
        var aggregator = CallAggregator(buckets: .default, limits: LabelLimits())
        aggregator.add(CallRecord(timestamp: 1, agent: "legal_agent", model: "m", success: false, latencyMs: 1))
        var snapshot = MetricsSnapshot()
        snapshot.series = aggregator.series
        let text = String(decoding: ExpositionWriter.write(snapshot), as: UTF8.self)
        #expect(text.contains("model_requests_total{agent=\"legal_agent\",model=\"m\",variant=\"baseline\",outcome=\"success\"} 0\n"))
        #expect(text.contains("model_requests_total{agent=\"legal_agent\",model=\"m\",variant=\"baseline\",outcome=\"error\"} 1\n"))
    }

    @Test(arguments: [
        ("a\"b", #"a\"b"#),
        ("back\\slash", #"back\\slash"#),
        ("new\nline", #"new\nline"#),
        ("} 1\nfake_metric 2", #"} 1\nfake_metric 2"#),
        ("ünïcödé 🚀", "ünïcödé 🚀"),
    ])
    func hostileLabelValuesAreEscaped(raw: String, escaped: String) throws {
        var aggregator = CallAggregator(buckets: .default, limits: LabelLimits())
        aggregator.add(CallRecord(timestamp: 1, agent: raw, model: raw, variant: raw, success: true, fallback: true,
                                  fallbackModel: raw, error: raw, latencyMs: 1))
        var snapshot = MetricsSnapshot()
        snapshot.series = aggregator.series
        let bytes = ExpositionWriter.write(snapshot)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("model_requests_total{agent=\"\(escaped)\",model=\"\(escaped)\",variant=\"\(escaped)\",outcome=\"success\"} 1\n"))
        #expect(!text.contains("\nfake_metric"))
        let output = try Promtool.checkMetrics(bytes)
        #expect(output.status == 0, "promtool check metrics: \(output.text)")
    }

    @Test func modelSeriesAreAbsentUntilCaughtUp() {
        var snapshot = Self.fixtureSnapshot()
        snapshot.series = []
        snapshot.catchUpComplete = false
        let text = String(decoding: ExpositionWriter.write(snapshot), as: UTF8.self)
        #expect(!text.contains("model_requests_total{"))
        #expect(text.contains("model_exporter_catchup_complete 0\n"))
    }

    @Test(arguments: [(0.05, "0.05"), (1.0, "1"), (60.0, "60"), (8.5e-05, "8.5e-05"), (Double.infinity, "+Inf"), (1e20, "1e+20")])
    func numbersAreWrittenAsPrometheusReadsThem(value: Double, text: String) {
        #expect(PrometheusNumber.format(value) == text)
    }
}

/// Runs Debian's promtool (package `prometheus`). Missing promtool is a failure, not a skip:
/// the README's test command installs it.
enum Promtool {
    static func checkMetrics(_ bytes: [UInt8]) throws -> (status: Int32, text: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/promtool")
        process.arguments = ["check", "metrics"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(bytes))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
