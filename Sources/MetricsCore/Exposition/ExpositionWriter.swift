/// Writes a snapshot in the Prometheus text exposition format 0.0.4.
///
/// A pure function of the snapshot: families sorted by name, series sorted by label values,
/// label values escaped (`\\`, `\"`, `\n`) so that a hostile agent name cannot break a line.
/// For each model series both outcomes of `model_requests_total` are written from its first
/// line, so ratio alerts have a denominator from the start.
public enum ExpositionWriter {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func write(_ snapshot: MetricsSnapshot) -> [UInt8] {
        var out = Output()
        out.bytes.reserveCapacity(4096 + snapshot.series.count * 2400)
        let series = snapshot.series.sorted { $0.key < $1.key }
        let counters = snapshot.counters

        // Families in name order.
        out.family("model_cost_usd_total", "counter", "Cost of requests in US dollars.")
        for (key, totals) in series {
            out.sample("model_cost_usd_total", key, nil, totals.costUSD)
        }

        out.family("model_errors_total", "counter", "First-attempt failures by error class, including requests the fallback then answered.")
        for (key, totals) in series {
            for (type, count) in totals.errorsByType.sorted(by: { $0.key < $1.key }) {
                out.sample("model_errors_total", key, ("error_type", type), count)
            }
        }

        out.family("model_exporter_accepted_lines_total", "counter", "Call-log lines accepted and stored.")
        out.sample("model_exporter_accepted_lines_total", counters.acceptedLines)

        out.family("model_exporter_build_info", "gauge", "Build information; the value is always 1.")
        out.raw("model_exporter_build_info{version=\"")
        out.escaped(snapshot.version)
        out.raw("\"} 1\n")

        out.family("model_exporter_calllog_draining_files", "gauge", "Rotated call-log files still being read.")
        out.sample("model_exporter_calllog_draining_files", Double(snapshot.calllog.drainingFiles))

        out.family("model_exporter_calllog_lag_bytes", "gauge", "Bytes written to the call log and not yet read.")
        out.sample("model_exporter_calllog_lag_bytes", Double(snapshot.calllog.lagBytes))

        out.family("model_exporter_calllog_lost_files_total", "counter", "Call-log files of an earlier run that were gone before they were read to the end.")
        out.sample("model_exporter_calllog_lost_files_total", counters.lostFiles)

        out.family("model_exporter_calllog_read_bytes_total", "counter", "Bytes of complete call-log lines read.")
        out.sample("model_exporter_calllog_read_bytes_total", counters.readBytes)

        out.family("model_exporter_calllog_read_offset_bytes", "gauge", "Read position in the current call-log file.")
        out.sample("model_exporter_calllog_read_offset_bytes", Double(snapshot.calllog.readOffset))

        out.family("model_exporter_calllog_rotations_total", "counter", "Rotations of the call log (the path named a new file).")
        out.sample("model_exporter_calllog_rotations_total", counters.rotations)

        out.family("model_exporter_calllog_size_bytes", "gauge", "Size of the current call-log file.")
        out.sample("model_exporter_calllog_size_bytes", Double(snapshot.calllog.fileSize))

        out.family("model_exporter_calllog_truncations_total", "counter", "Truncations of the call log (copytruncate); reading restarted from offset 0.")
        out.sample("model_exporter_calllog_truncations_total", counters.truncations)

        out.family("model_exporter_calllog_up", "gauge", "1 when the call-log path exists and is being read.")
        out.sample("model_exporter_calllog_up", snapshot.calllog.fileExists && snapshot.calllog.lastError == nil ? 1.0 : 0.0)

        out.family("model_exporter_catchup_complete", "gauge", "1 once the call log was read to its end after start; model series are exported from then on.")
        out.sample("model_exporter_catchup_complete", snapshot.catchUpComplete ? 1.0 : 0.0)

        out.family("model_exporter_folded_lines_total", "counter", "Lines whose label values were folded into \"other\" because a label bound was reached.")
        for label in ["error_type", "fallback_model", "series"] {
            out.raw("model_exporter_folded_lines_total{label=\"\(label)\"} ")
            out.raw(PrometheusNumber.format(counters.foldedLines[label] ?? 0))
            out.raw("\n")
        }

        out.family("model_exporter_last_commit_timestamp_seconds", "gauge", "When the last batch was committed to the database.")
        out.sample("model_exporter_last_commit_timestamp_seconds", snapshot.lastCommitTime ?? 0)

        out.family("model_exporter_rejected_lines_total", "counter", "Call-log lines rejected and quarantined, by reason.")
        for reason in RejectReason.allCases.sorted() {
            out.raw("model_exporter_rejected_lines_total{reason=\"\(reason.rawValue)\"} ")
            out.raw(PrometheusNumber.format(counters.rejectedLines[reason] ?? 0))
            out.raw("\n")
        }

        out.family("model_exporter_series", "gauge", "Model series (agent, model, variant) tracked.")
        out.sample("model_exporter_series", Double(snapshot.seriesCount))

        out.family("model_exporter_series_limit", "gauge", "Bound on model series; past it new label values fold into \"other\".")
        out.sample("model_exporter_series_limit", Double(snapshot.seriesLimit))

        out.family("model_exporter_start_time_seconds", "gauge", "When the exporter process started.")
        out.sample("model_exporter_start_time_seconds", snapshot.startTime)

        out.family("model_exporter_store_commits_total", "counter", "Batches committed to the database since the process started.")
        out.sample("model_exporter_store_commits_total", snapshot.commits)

        out.family("model_exporter_store_errors_total", "counter", "Failed commits since the process started; ingest retries from the last commit.")
        out.sample("model_exporter_store_errors_total", snapshot.storeErrors)

        out.family("model_fallbacks_total", "counter", "Requests whose first model failed and the fallback model was tried.")
        for (key, totals) in series {
            for (model, count) in totals.fallbacksByModel.sorted(by: { $0.key < $1.key }) {
                out.sample("model_fallbacks_total", key, ("fallback_model", model), count)
            }
        }

        out.family("model_last_request_timestamp_seconds", "gauge", "Timestamp of the newest request of the series.")
        for (key, totals) in series {
            out.sample("model_last_request_timestamp_seconds", key, nil, totals.lastTimestamp)
        }

        out.family("model_request_duration_seconds", "histogram", "End-to-end request latency.")
        let bounds = snapshot.buckets.bounds.map { PrometheusNumber.format($0) } + ["+Inf"]
        for (key, totals) in series {
            var cumulative: UInt64 = 0
            for (i, bound) in bounds.enumerated() {
                cumulative &+= i < totals.latencyBucketCounts.count ? totals.latencyBucketCounts[i] : 0
                out.sample("model_request_duration_seconds_bucket", key, ("le", bound), cumulative)
            }
            out.sample("model_request_duration_seconds_sum", key, nil, totals.latencySumSeconds)
            out.sample("model_request_duration_seconds_count", key, nil, cumulative)
        }

        out.family("model_requests_total", "counter", "Requests by outcome: success when an answer came back in the end (possibly from the fallback).")
        for (key, totals) in series {
            out.sample("model_requests_total", key, ("outcome", "error"), totals.requestsError)
            out.sample("model_requests_total", key, ("outcome", "success"), totals.requestsSuccess)
        }

        out.family("model_tokens_total", "counter", "Tokens by direction.")
        for (key, totals) in series {
            out.sample("model_tokens_total", key, ("direction", "input"), totals.inputTokens)
            out.sample("model_tokens_total", key, ("direction", "output"), totals.outputTokens)
        }
        return out.bytes
    }

    struct Output {
        var bytes: [UInt8] = []

        mutating func raw(_ text: String) {
            var text = text
            text.withUTF8 { bytes.append(contentsOf: $0) }
        }

        mutating func family(_ name: String, _ type: String, _ help: String) {
            raw("# HELP \(name) \(help)\n# TYPE \(name) \(type)\n")
        }

        /// Label values: backslash, double quote and line feed are escaped, as the format requires.
        mutating func escaped(_ value: String) {
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\n"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
                default: bytes.append(byte)
                }
            }
        }

        mutating func labels(_ key: SeriesKey, _ extra: (String, String)?) {
            raw("{agent=\"")
            escaped(key.agent)
            raw("\",model=\"")
            escaped(key.model)
            raw("\",variant=\"")
            escaped(key.variant)
            raw("\"")
            if let (name, value) = extra {
                // `le` sorts after the series labels in client libraries' output too.
                raw(",\(name)=\"")
                escaped(value)
                raw("\"")
            }
            raw("}")
        }

        mutating func sample(_ name: String, _ key: SeriesKey, _ extra: (String, String)?, _ value: Double) {
            raw(name)
            labels(key, extra)
            raw(" ")
            raw(PrometheusNumber.format(value))
            raw("\n")
        }

        mutating func sample(_ name: String, _ key: SeriesKey, _ extra: (String, String)?, _ value: UInt64) {
            raw(name)
            labels(key, extra)
            raw(" ")
            raw(PrometheusNumber.format(value))
            raw("\n")
        }

        mutating func sample(_ name: String, _ value: Double) {
            raw("\(name) \(PrometheusNumber.format(value))\n")
        }

        mutating func sample(_ name: String, _ value: UInt64) {
            raw("\(name) \(PrometheusNumber.format(value))\n")
        }
    }
}
