import Foundation

/// The report as Markdown that reads well both raw in a terminal (tables padded into columns)
/// and rendered in a pull-request comment.
extension ABReport {
    package func markdown() -> String {
        var out = "# A/B report: fine-tuned vs baseline\n\n"
        out += "Window \(RFC3339Timestamp.format(since)) to \(RFC3339Timestamp.format(until)). "
        out += "At least \(ReportNumber.count(minimumSamples)) requests per arm; two-sided tests at α = 0.05; "
        out += "intervals are 95% Wilson; fine-tuned at most \(ReportNumber.share(maximumCostIncrease)) dearer per request "
        out += "than baseline to proceed."
        if let rolloutStage { out += " Rollout at \(rolloutStage.percent)%." }
        out += "\n\n"
        out += "**Recommendation: \(recommendation.words)** (exit \(exitCode))"
        if let emptyReason { out += ": \(emptyReason)" }
        out += "\n\n"
        if !agents.isEmpty {
            let staged = rolloutStage != nil
            var summary = MarkdownTable(header: ["agent", "recommendation"] + (staged ? ["rollout"] : []) + ["reason"], alignRight: [])
            for agent in agents {
                let stage = staged ? [rolloutStage(for: agent)?.nextStepWords ?? "–"] : []
                summary.rows.append([agent.agent.markdownEscaped, agent.recommendation.words] + stage + [agent.reason])
            }
            out += summary.render() + "\n"
        }
        for agent in agents {
            out += agent.markdownSection(stage: rolloutStage(for: agent)) + "\n"
        }
        return out
    }
}

extension AgentComparison {
    func markdownSection(stage: RolloutStage? = nil) -> String {
        var out = "## \(agent.markdownEscaped): \(recommendation.words)\n\n\(reason.prefix(1).uppercased() + reason.dropFirst()).\n\n"
        if let stage {
            out += stage.next.map { "Rollout: at \(stage.percent)%, next stage \($0.percent)% of traffic to the fine-tuned model.\n\n" }
                ?? "Rollout: at 100%, fully rolled out.\n\n"
        }
        var table = MarkdownTable(header: ["", "baseline", "fine-tuned", "difference", "p"], alignRight: [3, 4])
        func row(_ name: String, _ b: String, _ f: String, _ difference: String = "", _ p: String = "") {
            table.rows.append([name, b, f, difference, p])
        }
        func p(_ value: Double?) -> String {
            value.map(ReportNumber.probability) ?? ""
        }
        row("model", baseline.models.joined(separator: ", ").markdownEscaped, finetuned.models.joined(separator: ", ").markdownEscaped)
        row("requests", ReportNumber.count(baseline.requests), ReportNumber.count(finetuned.requests))
        row("success rate",
            ReportNumber.percent(baseline.successRate, interval: baseline.successInterval),
            ReportNumber.percent(finetuned.successRate, interval: finetuned.successInterval),
            successRate.map { ReportNumber.points($0.difference) } ?? "", p(successRate?.pValue))
        row("first-attempt error rate",
            ReportNumber.percent(baseline.errorRate, interval: baseline.errorInterval),
            ReportNumber.percent(finetuned.errorRate, interval: finetuned.errorInterval),
            errorRate.map { ReportNumber.points($0.difference) } ?? "", p(errorRate?.pValue))
        row("fallback rate", ReportNumber.percent(baseline.fallbackRate), ReportNumber.percent(finetuned.fallbackRate),
            fallbackRate.map { ReportNumber.points($0.difference) } ?? "", p(fallbackRate?.pValue))
        let mark = latencyEstimated ? " *" : ""
        row("latency p50" + mark, ReportNumber.seconds(baseline.p50Seconds), ReportNumber.seconds(finetuned.p50Seconds))
        row("latency p95" + mark, ReportNumber.seconds(baseline.p95Seconds), ReportNumber.seconds(finetuned.p95Seconds),
            latency.map { ReportNumber.change($0.p95Ratio) } ?? "")
        row("latency p99" + mark, ReportNumber.seconds(baseline.p99Seconds), ReportNumber.seconds(finetuned.p99Seconds))
        if let latency {
            let slower = latency.probabilityFinetunedSlower
            row("fine-tuned slower (Mann–Whitney)", "", "", String(format: "in %.0f%% of pairs", slower * 100), p(latency.pValue))
        }
        if baseline.streamedRequests > 0 || finetuned.streamedRequests > 0 {
            row("time to first token p95", ReportNumber.seconds(baseline.ttftP95Seconds), ReportNumber.seconds(finetuned.ttftP95Seconds),
                timeToFirstToken.map { ReportNumber.change($0.p95Ratio) } ?? "", p(timeToFirstToken?.pValue))
        }
        row("cost per request", ReportNumber.dollars(baseline.costPerRequest), ReportNumber.dollars(finetuned.costPerRequest),
            ReportNumber.change(ratio(finetuned.costPerRequest, baseline.costPerRequest)))
        row("cost per 1k tokens", ReportNumber.dollars(baseline.costPer1kTokens), ReportNumber.dollars(finetuned.costPer1kTokens),
            ReportNumber.change(ratio(finetuned.costPer1kTokens, baseline.costPer1kTokens)))
        out += table.render()
        if latencyEstimated {
            let rolledUp = baseline.rolledUpRequests + finetuned.rolledUpRequests
            out += "\n\\* Estimated from histogram buckets: \(ReportNumber.count(rolledUp)) of the requests are in hours "
            out += "past raw retention, kept only as hourly rollups; the latency test ranks calls by bucket.\n"
        }
        if !enoughData {
            out += "\nNot enough data: no test was run.\n"
        }
        return out
    }

    private func ratio(_ a: Double?, _ b: Double?) -> Double? {
        guard let a, let b, b > 0 else { return nil }
        return a / b
    }
}

/// A Markdown table whose columns are padded to equal width, so that it lines up in a terminal too.
private struct MarkdownTable {
    var header: [String]
    /// Columns aligned right (numbers).
    var alignRight: Set<Int>
    var rows: [[String]] = []

    func render() -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in
            max(3, all.map { $0[column].count }.max() ?? 0)
        }
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return alignRight.contains(column) ? padding + cell : cell + padding
            }
            return "| " + padded.joined(separator: " | ") + " |\n"
        }
        let rule = "|" + widths.indices.map { column in
            let dashes = String(repeating: "-", count: widths[column])
            return alignRight.contains(column) ? "-" + dashes + ":|" : "-" + dashes + "-|"
        }.joined() + "\n"
        return line(header) + rule + rows.map(line).joined()
    }
}

extension String {
    /// Text from the log (agent and model names) made inert in a table cell or heading: no
    /// column breaks, no line breaks, no HTML.
    fileprivate var markdownEscaped: String {
        var out = ""
        for character in self {
            switch character {
            case "|": out += "\\|"
            case "<": out += "&lt;"
            case "\n", "\r": out += " "
            default: out.append(character)
            }
        }
        return out
    }
}
