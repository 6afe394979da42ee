import Foundation
import MetricsCore

/// The status page at `/`, as HTML: a pure function from ``StatusPageData`` to text, with its
/// charts as inline SVG and its style inline, so it works offline and behind any proxy.
///
/// Agent and variant names come from the call log: every one goes through ``escape(_:)``
/// (text and attributes alike), and into a URL only percent-encoded. The page reloads itself
/// every 10 seconds (`<meta http-equiv="refresh">`; no script), and its figures are at most
/// ``StatusPageSource/cacheSeconds`` old.
///
/// Thresholds drawn and coloured are those of `prometheus/alerts.yml` and of
/// ``AgentHealth/Thresholds``: first-attempt errors 5%, success 90%, fallbacks 10%, P95 5 s
/// and 10 s, gateway spend $5/h and $20/h.
enum StatusPage {
    static let refreshSeconds = 10

    /// - Parameter exporterProblems: what `/health` lists as wrong with the exporter itself
    ///   (catching up, log missing, database not writable), shown above everything else.
    static func html(_ result: Result<StatusPageData, StatusPageError>, telemetryPath: String,
                     exporterProblems: [String] = [], budgets: CostBudgets = CostBudgets(),
                     version: String = ExporterVersion.current) -> String {
        // The tab's title says whether anything is wrong, for a tab left open in the background.
        var title = "model-exporter status"
        if case .success(let data) = result {
            let errors = data.agents.filter { $0.health.state == .error }.count
            let slow = data.agents.filter { $0.health.state == .slow }.count
            title = (errors + slow == 0 ? "OK" : [errors > 0 ? "\(errors) ERROR" : nil, slow > 0 ? "\(slow) SLOW" : nil]
                .compactMap { $0 }.joined(separator: ", ")) + " · " + title
        }
        var out = head(title: title)
        out += "<header class=\"top\"><div><h1>model-exporter <span class=\"muted\">status</span></h1>"
        let problems = exporterProblems.map { "<p class=\"banner\">Exporter: \(escape($0))</p>" }.joined()
        switch result {
        case .success(let data):
            out += "<p class=\"muted\">As of \(clock(data.now)) UTC · last hour in 1-minute buckets, figures over the last \(Int(data.recentSeconds / 60)) minutes · reloads every \(refreshSeconds) s · version \(escape(version))</p></div>"
            out += nav(telemetryPath: telemetryPath) + "</header>" + problems
            out += body(data, budgets: budgets)
        case .failure(let error):
            out += "<p class=\"muted\">version \(escape(version))</p></div>" + nav(telemetryPath: telemetryPath) + "</header>" + problems
            out += "<p class=\"banner\">\(escape(error.description))</p>"
        }
        out += "</body></html>\n"
        return out
    }

    // MARK: Sections

    private static func nav(telemetryPath: String) -> String {
        """
        <nav><a href="\(escape(telemetryPath))">Metrics</a><a href="/health">Health</a>\
        <span class="muted">and /health/{agent}</span></nav>
        """
    }

    private static func body(_ data: StatusPageData, budgets: CostBudgets) -> String {
        var out = ""
        if let error = data.healthError {
            out += "<p class=\"banner\">Agent states unavailable: \(escape(error))</p>"
        }
        out += summary(data, budgets: budgets)
        if data.omittedArms > 0 {
            out += "<p class=\"banner\">\(data.omittedArms) more agent/variant pairs (\(data.omittedCalls) calls in the hour) are not shown: the page shows at most the first \(data.arms.count). They are in the gateway totals. Are agent or variant names made of ids?</p>"
        }
        if data.agents.isEmpty {
            out += "<p class=\"empty\">No calls in the last hour and no known agents yet.</p>"
        }
        for (index, agent) in data.agents.enumerated() {
            out += card(agent, index: index, data: data)
        }
        return out
    }

    private static func summary(_ data: StatusPageData, budgets: CostBudgets) -> String {
        let recent = data.gatewayRecent
        var counts: [AgentHealth.State: Int] = [:]
        for agent in data.agents { counts[agent.health.state, default: 0] += 1 }
        let attention = data.agents.enumerated().filter { $0.element.health.state == .error || $0.element.health.state == .slow }
        var out = "<section class=\"summary\"><div class=\"tiles\">"
        out += tile("Requests / min", number(recent.requestsPerMinute), "gateway, last \(Int(data.recentSeconds / 60)) min")
        out += tile("Success", percent(recent.successRate), "first-attempt errors \(percent(recent.errorRate))",
                    bad: (recent.successRate ?? 1) < 0.90)
        out += tile("P95 latency", seconds(recent.p95Seconds), "all agents", bad: (recent.p95Seconds ?? 0) > 5)
        out += tile("Cost / hour", dollars(recent.costPerHour), "alerts at $5/h and $20/h (15-min rate)",
                    bad: recent.costPerHour > 5)
        if let daily = budgets.daily {
            // The DailyBudgetExceeded alert's comparison: the last 24 hours against the budget.
            let share = daily > 0 ? data.costLastDay / daily : nil
            out += tile("Spend, last 24 h", dollars(data.costLastDay), "\(percent(share)) of the \(dollars(daily)) daily budget",
                        bad: (share ?? 0) >= 1)
        } else {
            out += tile("Spend, last 24 h", dollars(data.costLastDay), "no daily budget set (--cost.budget-daily)")
        }
        out += tile("TTFT P95", seconds(recent.ttftP95Seconds), "streamed requests; alerts above 2.5 s",
                    bad: (recent.ttftP95Seconds ?? 0) > 2.5)
        out += tile("Cached input", percent(recent.cachedInputShare), "of input tokens, from the provider's prompt cache")
        let states = [AgentHealth.State.ok, .slow, .error, .idle].map { state in
            "<span class=\"badge \(state.rawValue.lowercased())\">\(counts[state] ?? 0) \(state.rawValue)</span>"
        }
        out += "<div class=\"tile\"><div class=\"label\">Agents</div><div class=\"states\">\(states.joined(separator: " "))</div>"
        if attention.isEmpty {
            out += "<div class=\"muted\">none needs attention</div></div>"
        } else {
            let links = attention.map { "<a href=\"#agent-\($0.offset)\">\(escape($0.element.name))</a>" }
            out += "<div>needs attention: \(links.joined(separator: ", "))</div></div>"
        }
        out += "</div><div class=\"charts\">"
        let gatewayColor = "#0f766e"
        out += chart("Gateway requests / min", series: [("all", gatewayColor, data.gateway.map { Double($0.requests) * 60 / data.bucketSeconds })],
                     format: number, width: 586)
        out += chart("Gateway cost / hour", series: [("all", gatewayColor, data.gateway.map { $0.costUSD * 3600 / data.bucketSeconds })],
                     thresholds: [(5, "$5/h"), (20, "$20/h")], format: dollars, width: 586)
        out += "</div></section>"
        return out
    }

    private static func tile(_ label: String, _ value: String, _ note: String, bad: Bool = false) -> String {
        "<div class=\"tile\"><div class=\"label\">\(label)</div><div class=\"value\(bad ? " bad" : "")\">\(value)</div><div class=\"muted\">\(escape(note))</div></div>"
    }

    private static func card(_ agent: StatusPageData.Agent, index: Int, data: StatusPageData) -> String {
        let state = agent.health.state
        var out = "<section class=\"agent \(state.rawValue.lowercased())\" id=\"agent-\(index)\">"
        out += "<header><h2>\(escape(agent.name))</h2><span class=\"badge \(state.rawValue.lowercased())\">\(state.rawValue)</span>"
        out += "<span class=\"reasons\">\(escape(agent.health.reasons.joined(separator: "; ")))</span>"
        out += "<a class=\"health\" href=\"/health/\(escape(pathSegment(agent.name)))\">/health/\(escape(agent.name))</a></header>"
        guard !agent.arms.isEmpty else {
            out += "<p class=\"muted\">No calls in the last hour.</p></section>"
            return out
        }
        let minutes = Int(data.recentSeconds / 60)
        out += """
            <table><thead><tr><th></th><th colspan="9" class="group">last \(minutes) min</th><th colspan="3" class="group">last hour</th></tr>\
            <tr><th>variant</th><th>req/min</th><th>success</th><th>1st-attempt errors</th><th>fallbacks</th><th>P95</th>\
            <th>TTFT P95</th><th>cached input</th><th>cost/h</th><th>tokens/min</th><th>requests</th><th>cost</th><th>last call</th></tr></thead><tbody>
            """
        for (n, arm) in agent.arms.enumerated() {
            let r = arm.recent
            out += "<tr><td class=\"variant\"><span class=\"swatch\" style=\"background:\(color(n))\"></span>\(escape(arm.variant))</td>"
            out += "<td>\(number(r.requestsPerMinute))</td>"
            out += cell(percent(r.successRate), bad: (r.successRate ?? 1) < 0.90)
            out += cell(percent(r.errorRate), bad: (r.errorRate ?? 0) > 0.05)
            out += cell(percent(r.fallbackRate), bad: (r.fallbackRate ?? 0) > 0.10)
            out += cell(seconds(r.p95Seconds), bad: (r.p95Seconds ?? 0) > 5)
            out += cell(seconds(r.ttftP95Seconds), bad: (r.ttftP95Seconds ?? 0) > 2.5)
            out += "<td>\(percent(r.cachedInputShare))</td>"
            out += "<td>\(dollars(r.costPerHour))</td><td>\(number(r.tokensPerMinute))</td>"
            out += "<td>\(arm.hour.requests)</td><td>\(dollars(arm.hour.costUSD))</td><td>\(ago(data.now - arm.lastCall))</td></tr>"
        }
        out += "</tbody></table><div class=\"charts\">"
        func series(_ value: (StatusPageData.Minute) -> Double?) -> [(String, String, [Double?])] {
            agent.arms.enumerated().map { n, arm in (arm.variant, color(n), arm.minutes.map(value)) }
        }
        let w = data.bucketSeconds
        out += chart("Requests / min", series: series { Double($0.requests) * 60 / w }, format: number)
        out += chart("1st-attempt errors", series: series(\.errorRate), thresholds: [(0.05, "5%")], floor: 0.10, format: percent)
        out += chart("Fallbacks", series: series(\.fallbackRate), thresholds: [(0.10, "10%")], floor: 0.15, format: percent)
        out += chart("P95 latency", series: series(\.p95Seconds), thresholds: [(5, "5 s"), (10, "10 s")], format: seconds)
        out += chart("Cost / hour", series: series { $0.costUSD * 3600 / w }, format: dollars)
        out += chart("TTFT P95 (streamed)", series: series(\.ttftP95Seconds), thresholds: [(2.5, "2.5 s")], format: seconds)
        out += "</div></section>"
        return out
    }

    private static func cell(_ text: String, bad: Bool) -> String {
        bad ? "<td class=\"bad\">\(text)</td>" : "<td>\(text)</td>"
    }

    // MARK: Charts

    /// A small line chart of the hour, one line per series, oldest minute on the left. A
    /// minute without a value (no requests, so no rate) leaves a gap rather than a fake 0.
    /// Threshold lines are drawn when they fall within the scale; `floor` is the least top of
    /// the scale, so that a quiet chart does not blow noise up to full height.
    static func chart(_ title: String, series: [(name: String, color: String, values: [Double?])],
                      thresholds: [(value: Double, label: String)] = [], floor: Double = 0, format: (Double?) -> String,
                      width: Int = 228, height: Int = 104) -> String {
        let left = 4.0, right = Double(width) - 4, top = 20.0, bottom = Double(height) - 16
        let values = series.flatMap { $0.values.compactMap { $0 } }.filter(\.isFinite)
        let peak = max(values.max() ?? 0, floor)
        let scale = niceCeiling(peak)
        let count = max(series.map(\.values.count).max() ?? 0, 2)
        func x(_ i: Int) -> Double { left + (right - left) * Double(i) / Double(count - 1) }
        func y(_ v: Double) -> Double { bottom - (bottom - top) * min(max(v / scale, 0), 1) }
        // The newest minute, "—" when it had no requests: a stale value would look current.
        let latest = series.map { s in s.values.last ?? nil }
        var out = "<figure class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\">"
        out += "<title>\(escape(title)), last hour per minute</title>"
        out += "<text x=\"\(left)\" y=\"12\" class=\"t\">\(escape(title))</text>"
        let now = zip(series, latest).map { s, v in "<tspan fill=\"\(s.color)\">\(format(v))</tspan>" }
        out += "<text x=\"\(right)\" y=\"12\" class=\"v\" text-anchor=\"end\">\(now.joined(separator: " · "))</text>"
        out += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(right - left)\" height=\"\(bottom - top)\" class=\"plot\"/>"
        out += "<line x1=\"\(left)\" x2=\"\(right)\" y1=\"\(f(y(scale / 2)))\" y2=\"\(f(y(scale / 2)))\" class=\"grid\"/>"
        var labelled: [Double] = []
        for threshold in thresholds.sorted(by: { $0.value > $1.value }) where threshold.value <= scale {
            let ty = y(threshold.value)
            out += "<line x1=\"\(left)\" x2=\"\(right)\" y1=\"\(f(ty))\" y2=\"\(f(ty))\" class=\"threshold\"/>"
            // Below the line when it runs along the top, where the label would cover the title;
            // no label when it would overlap the one above (5 s and 10 s on a 50 s scale).
            let ly = ty - top < 10 ? ty + 10 : ty - 2
            guard labelled.allSatisfy({ abs($0 - ly) >= 10 }) else { continue }
            labelled.append(ly)
            out += "<text x=\"\(right - 2)\" y=\"\(f(ly))\" class=\"tl\" text-anchor=\"end\">\(escape(threshold.label))</text>"
        }
        for s in series {
            var path = ""
            var pen = false
            var dots = ""
            for (i, value) in s.values.enumerated() {
                guard let value, value.isFinite else {
                    pen = false
                    continue
                }
                path += "\(pen ? "L" : "M")\(f(x(i))) \(f(y(value)))"
                // A minute with neighbours missing on both sides would be an invisible path.
                let alone = (i == 0 || s.values[i - 1] == nil) && (i == s.values.count - 1 || s.values[i + 1] == nil)
                if alone { dots += "<circle cx=\"\(f(x(i)))\" cy=\"\(f(y(value)))\" r=\"1.5\" fill=\"\(s.color)\"/>" }
                pen = true
            }
            if !path.isEmpty { out += "<path d=\"\(path)\" stroke=\"\(s.color)\" class=\"line\"><title>\(escape(s.name))</title></path>" }
            out += dots
        }
        out += "<text x=\"\(left + 2)\" y=\"\(top + 10)\" class=\"a\">\(format(scale))</text>"
        out += "<text x=\"\(left)\" y=\"\(height - 3)\" class=\"a\">−60 min</text>"
        out += "<text x=\"\(right)\" y=\"\(height - 3)\" class=\"a\" text-anchor=\"end\">now</text>"
        out += "</svg></figure>"
        return out
    }

    /// The smallest of 1, 2, 2.5, 5 times a power of ten at or above `value` (1 for 0).
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0, value.isFinite else { return 1 }
        let power = pow(10, (log10(value)).rounded(.down))
        for step in [1.0, 2, 2.5, 5, 10] where step * power >= value * (1 - 1e-12) { return step * power }
        return 10 * power
    }

    /// A coordinate with one decimal. By hand rather than String(format:): a page has
    /// thousands of them, and Foundation's formatting was most of the rendering time.
    static func f(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        guard tenths.isFinite, abs(tenths) < 1e15 else { return "0" }
        let t = Int64(tenths)
        return (t < 0 ? "-" : "") + "\(abs(t) / 10).\(abs(t) % 10)"
    }

    private static let palette = ["#2563eb", "#c026d3", "#0d9488", "#ea580c", "#4f46e5", "#65a30d"]
    private static func color(_ index: Int) -> String { palette[index % palette.count] }

    // MARK: Numbers

    static func number(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "—" }
        if value == 0 { return "0" }
        if abs(value) < 10 { return String(format: "%.1f", value) }
        return String(format: "%.0f", value)
    }

    static func percent(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "—" }
        return String(format: "%.1f%%", value * 100)
    }

    static func seconds(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "—" }
        if value < 1 { return String(format: "%.0f ms", value * 1000) }
        return String(format: value < 10 ? "%.2f s" : "%.1f s", value)
    }

    static func dollars(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "—" }
        if value == 0 { return "$0" }
        if abs(value) < 0.01 { return String(format: "$%.4f", value) }
        return String(format: "$%.2f", value)
    }

    private static func ago(_ seconds: Double) -> String {
        let s = max(0, Int(seconds.rounded()))
        return s < 60 ? "\(s) s ago" : "\(s / 60) min ago"
    }

    private static func clock(_ epochSeconds: Double) -> String {
        // 2026-11-27T07:12:03.123Z → 2026-11-27 07:12:03
        let text = RFC3339Timestamp.format(epochSeconds)
        return String(text.prefix(19)).replacingOccurrences(of: "T", with: " ")
    }

    // MARK: Escaping

    /// For text and for quoted attribute values alike.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// One path segment: everything but unreserved characters percent-encoded, `/` included,
    /// so that `/health/{agent}` gets the whole name back.
    static func pathSegment(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    // MARK: Head

    private static func head(title: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta http-equiv="refresh" content="\(refreshSeconds)">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        :root{--bg:#f6f7f9;--card:#fff;--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--ok:#15803d;--slow:#b45309;--error:#b91c1c;--idle:#6b7280}
        @media (prefers-color-scheme:dark){:root{--bg:#111827;--card:#1f2937;--ink:#e5e7eb;--muted:#9ca3af;--line:#374151}}
        *{box-sizing:border-box}
        body{margin:0;padding:16px 24px;background:var(--bg);color:var(--ink);font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
        h1{font-size:20px;margin:0}h2{font-size:16px;margin:0}
        a{color:#2563eb;text-decoration:none}a:hover{text-decoration:underline}
        .muted{color:var(--muted)}
        header.top{display:flex;justify-content:space-between;align-items:flex-start;gap:16px;margin-bottom:12px}
        header.top p{margin:4px 0 0}
        nav a{margin-left:16px;font-weight:600}nav span{margin-left:8px;font-size:12px}
        .banner{background:#fef2f2;color:var(--error);border:1px solid #fecaca;border-radius:6px;padding:8px 12px}
        .empty{padding:24px;text-align:center;color:var(--muted)}
        .summary,.agent{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin-bottom:12px}
        .agent{border-left:5px solid var(--idle)}
        .agent.ok{border-left-color:var(--ok)}.agent.slow{border-left-color:var(--slow)}.agent.error{border-left-color:var(--error)}
        .tiles{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:8px}
        .tile{flex:1 1 150px;border:1px solid var(--line);border-radius:6px;padding:8px 12px}
        .tile .label{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
        .tile .value{font-size:24px;font-weight:600}.tile .muted{font-size:12px}
        .states{margin:4px 0}
        .badge{display:inline-block;border-radius:999px;padding:1px 8px;font-size:12px;font-weight:700;color:#fff;background:var(--idle)}
        .badge.ok{background:var(--ok)}.badge.slow{background:var(--slow)}.badge.error{background:var(--error)}
        .agent header{display:flex;align-items:center;gap:10px;flex-wrap:wrap;margin-bottom:6px}
        .agent .reasons{color:var(--muted);font-size:13px;flex:1}
        .agent .health{font-size:12px}
        table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;margin-bottom:6px}
        th,td{padding:3px 8px;text-align:right;border-bottom:1px solid var(--line);white-space:nowrap}
        th{font-size:12px;font-weight:600;color:var(--muted)}th.group{text-align:center;border-bottom:2px solid var(--line)}
        td.variant,th:first-child{text-align:left}
        td.bad,.value.bad{color:var(--error);font-weight:700}
        .swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
        .charts{display:flex;flex-wrap:wrap;gap:8px;justify-content:space-between}
        figure.chart{margin:0}
        svg text{font-size:10px;fill:var(--muted)}svg text.t{font-size:11px;font-weight:600;fill:var(--ink)}svg text.v{font-size:11px;font-weight:600}
        svg .plot{fill:none;stroke:var(--line)}svg .grid{stroke:var(--line);stroke-dasharray:2 3}
        svg .threshold{stroke:#dc2626;stroke-dasharray:4 3;stroke-width:1}svg text.tl{fill:#dc2626}
        svg .line{fill:none;stroke-width:1.6;stroke-linejoin:round}
        </style></head><body>
        """
    }
}
