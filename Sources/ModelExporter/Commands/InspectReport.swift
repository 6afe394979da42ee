import Foundation
import MetricsCore

/// The text `inspect` prints: a table of formats, the best one's fields, its reject reasons,
/// and either the config snippet to run with or what to map.
struct InspectReport {
    var inspection: FormatInspection
    var path: String
    var sampled: Int
    /// The config file whose mapping was tried, if any: the snippet then points at it.
    var configFile: String?

    var text: String {
        var out = "Sampled \(sampled) line\(sampled == 1 ? "" : "s") of \(path).\n\n"
        out += "FORMAT             LINES ACCEPTED   RECORDS ACCEPTED\n"
        for trial in inspection.trials {
            let share = String(format: "%5.1f%%", trial.acceptedShare * 100)
            out += pad(trial.format, 18) + " " + pad("\(trial.acceptedLines)/\(trial.lines) \(share)", 16) + " "
                + "\(trial.acceptedRecords)/\(trial.records)\n"
        }
        guard let best = inspection.best, best.lines > 0 else {
            return out + "\nThe log is empty: nothing to inspect yet.\n"
        }
        let fits = best.acceptedShare >= FormatInspection.fitThreshold
        out += "\nBest fit: \(best.format) (\(String(format: "%.1f", best.acceptedShare * 100))% of lines accepted)\n"
        if !best.fields.isEmpty {
            out += "\nFields of the accepted records (\(best.acceptedRecords)):\n"
            for name in Self.fieldOrder {
                guard let summary = best.fields[name] else {
                    out += "  " + pad(name, 20) + " never found\n"
                    continue
                }
                out += "  " + pad(name, 20) + " " + pad("\(summary.found)×", 8) + " " + describe(name, summary) + "\n"
            }
        }
        if !best.rejects.isEmpty {
            out += "\nRefused by \(best.format):\n"
            for reject in best.topRejects.prefix(5) {
                out += "  \(reject.count) \(reject.reason.rawValue), e.g. the line at byte \(reject.offset): \(reject.detail)\n"
            }
        }
        if fits, let configFile, FormatPreset.named(best.format) == nil, best.format != CallLogFormat.defaultName {
            out += "\nRun with the calllog.format mapping of \(configFile):\n\n  model-exporter serve --config.file \(configFile)\n"
        } else if fits {
            out += "\nRun with:\n\n  calllog:\n    path: \(path)\n    format: \(best.format)\n\n"
            out += "or: model-exporter serve --calllog.path \(path) --calllog.format \(best.format)\n"
        } else {
            out += "\nNo format accepts \(Int(FormatInspection.fitThreshold * 100))% of the sample. Write a field mapping for this log "
                + "(docs/formats.md): start from the preset closest to it, map the fields named in the reasons above, "
                + "and check it with: model-exporter inspect --calllog.path \(path) --config.file FILE\n"
        }
        return out
    }

    static let fieldOrder = ["ts", "request_id", "agent", "model", "variant", "success", "fallback", "fallback_model", "error",
                             "latency_ms", "cost_usd", "input_tokens", "output_tokens", "stream", "ttft_ms",
                             "cached_input_tokens", "reasoning_tokens", "cache_hit"]

    static let labelFields: Set<String> = ["agent", "model", "variant", "fallback_model", "error", "success", "fallback", "stream", "cache_hit"]

    private func describe(_ name: String, _ summary: FormatInspection.FieldSummary) -> String {
        if Self.labelFields.contains(name) {
            let top = summary.topValues.prefix(5).map { "\($0.value) (\($0.count))" }.joined(separator: ", ")
            let more = summary.values.count > 5 ? ", … \(summary.values.count) values" : ""
            return top + more
        }
        if name == "request_id" { return "\(summary.values.count)\(summary.values.count >= 1000 ? "+" : "") distinct" }
        if name == "ts" {
            return RFC3339Timestamp.format(summary.minimum) + " … " + RFC3339Timestamp.format(summary.maximum)
        }
        return "\(Self.number(summary.minimum)) … \(Self.number(summary.maximum))"
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.4g", value)
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
