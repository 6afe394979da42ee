/// Writes a snapshot in the Prometheus text format 0.0.4 or in OpenMetrics 1.0.
///
/// A pure function of the snapshot: families sorted by name, series sorted by label values,
/// label values escaped (`\\`, `\"`, `\n`) so that a hostile agent name cannot break a line.
/// For each model series both outcomes of `model_requests_total` are written from its first
/// line, so ratio alerts have a denominator from the start. OpenMetrics adds `# UNIT`,
/// `_created` for the model counters and histograms, exemplars on latency buckets (the
/// `request_id` of a recent request in the bucket) and the closing `# EOF`.
package enum ExpositionWriter {
    package static func write(_ snapshot: MetricsSnapshot, format: ExpositionFormat = .prometheusText) -> [UInt8] {
        var out = Output(format: format)
        out.bytes.reserveCapacity(4096 + snapshot.series.count * 2600)
        let series = snapshot.series.sorted { $0.key < $1.key }
        let counters = snapshot.counters
        let openMetrics = format == .openMetrics

        out.family("model_cache_hits", .counter, "Requests the gateway's own response cache answered; no model was called.")
        for s in series {
            out.sample("model_cache_hits_total", s.key, nil, s.totals.cacheHits)
            out.created("model_cache_hits_created", s.key, nil, s.totals)
        }

        out.family("model_cost_usd", .counter, unit: "usd", "Cost of requests in US dollars.")
        for s in series {
            out.sample("model_cost_usd_total", s.key, nil, s.totals.costUSD)
            out.created("model_cost_usd_created", s.key, nil, s.totals)
        }

        out.family("model_errors", .counter, "First-attempt failures by error class, including requests the fallback then answered.")
        for s in series {
            // Known classes at zero from the series' first line, so rate() sees their first error.
            var errors = s.totals.errorsByType
            for type in snapshot.knownErrorTypes where errors[type] == nil { errors[type] = 0 }
            for (type, count) in errors.sorted(by: { $0.key < $1.key }) {
                out.sample("model_errors_total", s.key, ("error_type", type), count)
                out.created("model_errors_created", s.key, ("error_type", type), s.totals)
            }
        }

        out.family("model_exporter_accepted_lines", .counter, "Call-log lines accepted and stored.")
        out.sample("model_exporter_accepted_lines_total", counters.acceptedLines)

        out.family("model_exporter_build_info", .gauge, "Build information; the value is always 1.")
        out.raw("model_exporter_build_info{version=\"")
        out.escaped(snapshot.version)
        out.raw("\"} 1\n")

        out.family("model_exporter_calllog_draining_files", .gauge, "Rotated call-log files still being read.")
        out.sample("model_exporter_calllog_draining_files", Double(snapshot.calllog.drainingFiles))

        out.family("model_exporter_calllog_lag_bytes", .gauge, unit: "bytes", "Bytes written to the call log and not yet read.")
        out.sample("model_exporter_calllog_lag_bytes", Double(snapshot.calllog.lagBytes))

        out.family("model_exporter_calllog_lost_files", .counter, "Call-log files of an earlier run that were gone before they were read to the end.")
        out.sample("model_exporter_calllog_lost_files_total", counters.lostFiles)

        out.family("model_exporter_calllog_read_bytes", .counter, unit: "bytes", "Bytes of complete call-log lines read.")
        out.sample("model_exporter_calllog_read_bytes_total", counters.readBytes)

        out.family("model_exporter_calllog_read_offset_bytes", .gauge, unit: "bytes", "Read position in the current call-log file.")
        out.sample("model_exporter_calllog_read_offset_bytes", Double(snapshot.calllog.readOffset))

        out.family("model_exporter_calllog_rotations", .counter, "Rotations of the call log (the path named a new file).")
        out.sample("model_exporter_calllog_rotations_total", counters.rotations)

        out.family("model_exporter_calllog_size_bytes", .gauge, unit: "bytes", "Size of the current call-log file.")
        out.sample("model_exporter_calllog_size_bytes", Double(snapshot.calllog.fileSize))

        out.family("model_exporter_calllog_truncations", .counter, "Truncations of the call log (copytruncate); reading restarted from offset 0.")
        out.sample("model_exporter_calllog_truncations_total", counters.truncations)

        out.family("model_exporter_calllog_up", .gauge, "1 when the call-log path exists and is being read.")
        out.sample("model_exporter_calllog_up", snapshot.calllog.fileExists && snapshot.calllog.lastError == nil ? 1.0 : 0.0)

        out.family("model_exporter_catchup_complete", .gauge, "1 once the call log was read to its end after start; model series are exported from then on.")
        out.sample("model_exporter_catchup_complete", snapshot.catchUpComplete ? 1.0 : 0.0)

        // Only the budgets that are set: an absent series tells the budget alerts there is none.
        let budgets = [("day", snapshot.costBudgets.daily), ("hour", snapshot.costBudgets.hourly)]
        if budgets.contains(where: { $0.1 != nil }) {
            out.family("model_exporter_cost_budget_usd", .gauge, unit: "usd", "Spend budget in US dollars per period (--cost.budget-hourly, --cost.budget-daily).")
            for case let (period, amount?) in budgets {
                out.raw("model_exporter_cost_budget_usd{period=\"\(period)\"} ")
                out.raw(PrometheusNumber.format(amount))
                out.raw("\n")
            }
        }

        out.family("model_exporter_folded_lines", .counter, "Lines whose label values were folded into \"other\" because a label bound was reached.")
        for label in ["error_type", "fallback_model", "series"] {
            out.raw("model_exporter_folded_lines_total{label=\"\(label)\"} ")
            out.raw(PrometheusNumber.format(counters.foldedLines[label] ?? 0))
            out.raw("\n")
        }

        out.family("model_exporter_last_commit_timestamp_seconds", .gauge, unit: "seconds", "When the last batch was committed to the database.")
        out.sample("model_exporter_last_commit_timestamp_seconds", snapshot.lastCommitTime ?? 0)

        out.family("model_exporter_rejected_lines", .counter, "Call-log lines rejected and quarantined, by reason.")
        for reason in RejectReason.allCases.sorted() {
            out.raw("model_exporter_rejected_lines_total{reason=\"\(reason.rawValue)\"} ")
            out.raw(PrometheusNumber.format(counters.rejectedLines[reason] ?? 0))
            out.raw("\n")
        }

        if let replica = snapshot.replica { writeReplica(replica, into: &out) }

        out.family("model_exporter_series", .gauge, "Model series (agent, model, variant) tracked.")
        out.sample("model_exporter_series", Double(snapshot.seriesCount))

        out.family("model_exporter_series_limit", .gauge, "Bound on model series; past it new label values fold into \"other\".")
        out.sample("model_exporter_series_limit", Double(snapshot.seriesLimit))

        out.family("model_exporter_start_time_seconds", .gauge, unit: "seconds", "When the exporter process started.")
        out.sample("model_exporter_start_time_seconds", snapshot.startTime)

        out.family("model_exporter_store_commits", .counter, "Batches committed to the database since the process started.")
        out.sample("model_exporter_store_commits_total", snapshot.commits)

        out.family("model_exporter_store_errors", .counter, "Failed commits since the process started; ingest retries from the last commit.")
        out.sample("model_exporter_store_errors_total", snapshot.storeErrors)

        out.family("model_fallbacks", .counter, "Requests whose first model failed and the fallback model was tried.")
        for s in series {
            for (model, count) in s.totals.fallbacksByModel.sorted(by: { $0.key < $1.key }) {
                out.sample("model_fallbacks_total", s.key, ("fallback_model", model), count)
                out.created("model_fallbacks_created", s.key, ("fallback_model", model), s.totals)
            }
        }

        out.family("model_last_request_timestamp_seconds", .gauge, unit: "seconds", "Timestamp of the newest request of the series.")
        for s in series {
            out.sample("model_last_request_timestamp_seconds", s.key, nil, s.totals.lastTimestamp)
        }

        out.family("model_request_duration_seconds", .histogram, unit: "seconds", "End-to-end request latency.")
        let bounds = snapshot.buckets.bounds.map { PrometheusNumber.format($0) } + ["+Inf"]
        for s in series {
            var cumulative: UInt64 = 0
            for (i, bound) in bounds.enumerated() {
                cumulative &+= i < s.totals.latencyBucketCounts.count ? s.totals.latencyBucketCounts[i] : 0
                out.sample("model_request_duration_seconds_bucket", s.key, ("le", bound), cumulative, newline: false)
                if openMetrics, i < s.exemplars.count, let exemplar = s.exemplars[i] {
                    out.exemplar(exemplar)
                }
                out.raw("\n")
            }
            // OpenMetrics orders a histogram's samples bucket, count, sum, created.
            if openMetrics {
                out.sample("model_request_duration_seconds_count", s.key, nil, cumulative)
                out.sample("model_request_duration_seconds_sum", s.key, nil, s.totals.latencySumSeconds)
                out.created("model_request_duration_seconds_created", s.key, nil, s.totals)
            } else {
                out.sample("model_request_duration_seconds_sum", s.key, nil, s.totals.latencySumSeconds)
                out.sample("model_request_duration_seconds_count", s.key, nil, cumulative)
            }
        }

        out.family("model_requests", .counter, "Requests by outcome: success when an answer came back in the end (possibly from the fallback).")
        for s in series {
            out.sample("model_requests_total", s.key, ("outcome", "error"), s.totals.requestsError)
            out.created("model_requests_created", s.key, ("outcome", "error"), s.totals)
            out.sample("model_requests_total", s.key, ("outcome", "success"), s.totals.requestsSuccess)
            out.created("model_requests_created", s.key, ("outcome", "success"), s.totals)
        }

        // Streaming histograms: a series has them once it had a streamed request with a
        // first-token time, as the gateway logs TTFT for streamed answers only.
        let streamed = series.filter { $0.totals.ttftCount > 0 }
        out.family("model_time_per_output_token_seconds", .histogram, unit: "seconds",
                   "Time per output token after the first, of streamed requests with two or more output tokens: (latency - ttft) / (output_tokens - 1).")
        for s in streamed {
            out.histogram("model_time_per_output_token_seconds", s.key, LatencyBuckets.timePerOutputToken,
                          s.totals.tpotBucketCounts, sum: s.totals.tpotSumSeconds, s.totals, openMetrics: openMetrics)
        }

        out.family("model_time_to_first_token_seconds", .histogram, unit: "seconds", "Time from the request to the first token, of streamed requests.")
        for s in streamed {
            out.histogram("model_time_to_first_token_seconds", s.key, snapshot.ttftBuckets,
                          s.totals.ttftBucketCounts, sum: s.totals.ttftSumSeconds, s.totals, openMetrics: openMetrics)
        }

        out.family("model_tokens", .counter, "Tokens by direction; cached_input is a part of input (served from the provider's prompt cache), reasoning a part of output.")
        for s in series {
            out.sample("model_tokens_total", s.key, ("direction", "cached_input"), s.totals.cachedInputTokens)
            out.created("model_tokens_created", s.key, ("direction", "cached_input"), s.totals)
            out.sample("model_tokens_total", s.key, ("direction", "input"), s.totals.inputTokens)
            out.created("model_tokens_created", s.key, ("direction", "input"), s.totals)
            out.sample("model_tokens_total", s.key, ("direction", "output"), s.totals.outputTokens)
            out.created("model_tokens_created", s.key, ("direction", "output"), s.totals)
            out.sample("model_tokens_total", s.key, ("direction", "reasoning"), s.totals.reasoningTokens)
            out.created("model_tokens_created", s.key, ("direction", "reasoning"), s.totals)
        }
        if openMetrics { out.raw("# EOF\n") }
        return out.bytes
    }

    enum FamilyType: String {
        case counter, gauge, histogram
    }

    struct Output {
        let format: ExpositionFormat
        var bytes: [UInt8] = []

        mutating func raw(_ text: String) {
            var text = text
            text.withUTF8 { bytes.append(contentsOf: $0) }
        }

        /// Family metadata. Counter families are named without `_total` in OpenMetrics and with
        /// it in the text format, where TYPE names the sample.
        mutating func family(_ name: String, _ type: FamilyType, unit: String? = nil, _ help: String) {
            switch format {
            case .prometheusText:
                let sampleName = type == .counter ? name + "_total" : name
                raw("# HELP \(sampleName) \(help)\n# TYPE \(sampleName) \(type.rawValue)\n")
            case .openMetrics:
                raw("# TYPE \(name) \(type.rawValue)\n")
                if let unit { raw("# UNIT \(name) \(unit)\n") }
                raw("# HELP \(name) ")
                // OpenMetrics escapes quotes in HELP as well.
                escaped(help)
                raw("\n")
            }
        }

        /// Label values: backslash, double quote and line feed are escaped, as both formats require.
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

        mutating func sample(_ name: String, _ key: SeriesKey, _ extra: (String, String)?, _ value: UInt64, newline: Bool = true) {
            raw(name)
            labels(key, extra)
            raw(" ")
            raw(PrometheusNumber.format(value))
            if newline { raw("\n") }
        }

        /// A histogram without exemplars, from per-bucket counts.
        mutating func histogram(_ name: String, _ key: SeriesKey, _ buckets: LatencyBuckets, _ counts: [UInt64],
                                sum: Double, _ totals: SeriesTotals, openMetrics: Bool) {
            var cumulative: UInt64 = 0
            for i in 0...buckets.bounds.count {
                cumulative &+= i < counts.count ? counts[i] : 0
                let bound = i < buckets.bounds.count ? PrometheusNumber.format(buckets.bounds[i]) : "+Inf"
                sample(name + "_bucket", key, ("le", bound), cumulative)
            }
            if openMetrics {
                sample(name + "_count", key, nil, cumulative)
                sample(name + "_sum", key, nil, sum)
                created(name + "_created", key, nil, totals)
            } else {
                sample(name + "_sum", key, nil, sum)
                sample(name + "_count", key, nil, cumulative)
            }
        }

        /// `_created` of a model counter or histogram: OpenMetrics only.
        mutating func created(_ name: String, _ key: SeriesKey, _ extra: (String, String)?, _ totals: SeriesTotals) {
            guard format == .openMetrics, totals.createdTimestamp > 0 else { return }
            sample(name, key, extra, totals.createdTimestamp)
        }

        mutating func exemplar(_ exemplar: Exemplar) {
            raw(" # {request_id=\"")
            escaped(exemplar.requestID)
            raw("\"} ")
            raw(PrometheusNumber.format(exemplar.value))
            raw(" ")
            raw(PrometheusNumber.format(exemplar.timestamp))
        }

        mutating func sample(_ name: String, _ value: Double) {
            raw("\(name) \(PrometheusNumber.format(value))\n")
        }

        mutating func sample(_ name: String, _ value: UInt64) {
            raw("\(name) \(PrometheusNumber.format(value))\n")
        }
    }
}
