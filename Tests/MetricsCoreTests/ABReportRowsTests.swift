import Foundation
@testable import MetricsCore
import Testing

/// ``ABReportRows``, the report from rows read elsewhere (the fleet's PostgreSQL): the calls of
/// a database, added in the order the SQLite path scans them, give the report that path gives.
@Suite struct ABReportRowsTests {
    @Test func rowsInScanOrderGiveTheDatabasesReport() throws {
        let fixture = try ABReportTests.Fixture(
            profile: ABReportTests.profile(finetuned: .init(errorRate: 0.05, medianLatencyMs: 800, costPer1kTokens: 0.00025),
                                           agents: ["qa_agent", "legal_agent"]),
            lines: 4_000)
        let until = fixture.end + 1
        let connection = try SQLiteConnection(path: fixture.databasePath, mode: .readOnly)
        for agent in [nil, "legal_agent", "no_such_agent"] as [String?] {
            let statement = try connection.prepare("""
                SELECT agent, variant = 'finetuned', success, error IS NOT NULL, fallback, cost_usd,
                       ifnull(input_tokens, 0), ifnull(output_tokens, 0), latency_ms, model,
                       CASE WHEN stream = 1 THEN ttft_ms END
                FROM calls WHERE ts >= ?1 AND ts < ?2 AND (?3 IS NULL OR agent = ?3) AND variant IN ('baseline', 'finetuned')
                ORDER BY ts, id
                """)
            statement.bind(1, ABReportTests.start)
            statement.bind(2, until)
            statement.bind(3, agent)
            var rows = ABReportRows()
            while try statement.step() {
                rows.add(agent: statement.string(0) ?? "", finetuned: statement.int64(1) != 0, success: statement.int64(2) != 0,
                         error: statement.int64(3) != 0, fallback: statement.int64(4) != 0, costUSD: statement.double(5),
                         inputTokens: Int(statement.int64(6)), outputTokens: Int(statement.int64(7)),
                         latencyMilliseconds: statement.double(8),
                         timeToFirstTokenMilliseconds: statement.isNull(10) ? nil : statement.double(10),
                         model: statement.string(9) ?? "")
            }
            let expected = try fixture.report(until: until, agent: agent, minimumSamples: 50)
            let report = rows.report(since: ABReportTests.start, until: until, agent: agent, minimumSamples: 50)
            #expect(report.markdown() == expected.markdown(), "\(agent ?? "all")")
            #expect(report.json() == expected.json(), "\(agent ?? "all")")
        }
    }
}
