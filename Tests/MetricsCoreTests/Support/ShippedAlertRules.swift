import Foundation
import Testing

/// The alerting rules of `prometheus/*.yml` as text: each `- alert:` block's expression and
/// `for`, and the thresholds in them. The traffic simulation reads its thresholds from here, so
/// a changed threshold in a shipped file changes what the demo tests expect.
///
/// Read with regular expressions rather than a YAML parser (none is a dependency of the tests):
/// the rule files are written in one layout, checked by promtool in scripts/checks/10-alert-rules.sh.
struct ShippedAlertRules {
    struct Rule {
        var alert: String
        var expr: String
        /// Seconds.
        var forSeconds: Double

        /// The constant of the expression's final comparison (`… > 0.05`, `… < 0.90`).
        var threshold: Double {
            let last = expr.split(separator: "\n").last.map(String.init) ?? expr
            guard let match = last.firstMatch(of: /(>|<)=?\s*([0-9.]+)\s*$/), let value = Double(match.2) else {
                Issue.record("no final comparison in \(alert): \(expr)")
                return .nan
            }
            return value
        }
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("prometheus")

    var rules: [Rule] = []
    /// The whole text of every rule file, for the recording rules' constants.
    var text = ""

    init() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
            .filter { $0.hasSuffix(".yml") && $0 != "prometheus.yml" && $0 != "alertmanager.yml" && $0 != "slo.yml" }
            .sorted()
        for file in files {
            let content = try String(contentsOf: Self.directory.appendingPathComponent(file), encoding: .utf8)
            text += content
            rules += Self.alertRules(in: content)
        }
    }

    func rules(_ alert: String) -> [Rule] {
        let found = rules.filter { $0.alert == alert }
        if found.isEmpty { Issue.record("no alert \(alert) in prometheus/*.yml") }
        return found
    }

    func rule(_ alert: String) -> Rule {
        rules(alert).first ?? Rule(alert: alert, expr: "", forSeconds: 0)
    }

    static func alertRules(in content: String) -> [Rule] {
        var rules: [Rule] = []
        let lines = content.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var index = 0
        while index < lines.count {
            guard let name = lines[index].firstMatch(of: /^\s*- alert:\s*(\S+)/)?.1 else { index += 1; continue }
            var rule = Rule(alert: String(name), expr: "", forSeconds: 0)
            index += 1
            var inExpr = false
            while index < lines.count, lines[index].firstMatch(of: /^\s*- (alert|record):/) == nil,
                  lines[index].firstMatch(of: /^\s*- name:/) == nil {
                let line = lines[index]
                if let inline = line.firstMatch(of: /^\s*expr:\s*(.+)$/), inline.1 != "|" {
                    rule.expr = String(inline.1)
                    inExpr = false
                } else if line.firstMatch(of: /^\s*expr:\s*\|/) != nil {
                    inExpr = true
                } else if let duration = line.firstMatch(of: /^\s*for:\s*(\d+)([smhd])/) {
                    rule.forSeconds = Double(duration.1)! * ["s": 1, "m": 60, "h": 3600, "d": 86400][String(duration.2)]!
                    inExpr = false
                } else if line.firstMatch(of: /^\s*(labels|annotations|keep_firing_for):/) != nil {
                    inExpr = false
                } else if inExpr, !line.trimmingCharacters(in: .whitespaces).isEmpty {
                    rule.expr += (rule.expr.isEmpty ? "" : "\n") + line.trimmingCharacters(in: .whitespaces)
                }
                index += 1
            }
            rules.append(rule)
        }
        return rules
    }

    /// A burn-rate alert's expression: groups joined by `or`, each the terms `ratio / budget >
    /// factor` over two windows and the low-traffic guard, for the agents its matcher selects.
    struct BurnRateCondition {
        struct Term {
            var kind: String      // "failed" or "slow"
            var windowSeconds: Double
            var budget: Double
            var factor: Double
        }
        struct Group {
            var terms: [Term]
            var guardWindowSeconds: Double
            var minimumRequests: Double
        }
        var agentMatcher: (negated: Bool, agents: Set<String>)
        var groups: [Group]

        func applies(to agent: String) -> Bool {
            agentMatcher.agents.contains(agent) != agentMatcher.negated
        }
    }

    static func seconds(_ text: Substring) -> Double {
        let unit = text.last!
        let number = Double(text.dropLast())!
        return number * ["s": 1, "m": 60, "h": 3600, "d": 86400][String(unit)]!
    }

    func burnRateConditions(_ alert: String) -> [BurnRateCondition] {
        rules(alert).map { rule in
            var matcher: (negated: Bool, agents: Set<String>) = (true, [])
            var groups: [BurnRateCondition.Group] = []
            for part in rule.expr.components(separatedBy: "\nor\n") {
                var group = BurnRateCondition.Group(terms: [], guardWindowSeconds: 0, minimumRequests: 0)
                for term in part.matches(of: /model_requests_(failed|slow)_per_requests:ratio_rate(\w+)\{agent(=|!~)"([^"]*)"\} \/ ([0-9.]+) > ([0-9.]+)/) {
                    matcher = (term.3 == "!~", Set(term.4.split(separator: "|").map(String.init)))
                    group.terms.append(.init(kind: String(term.1), windowSeconds: Self.seconds(term.2),
                                             budget: Double(term.5)!, factor: Double(term.6)!))
                }
                if let guardTerm = part.firstMatch(of: /agent:model_requests:increase(\w+) >= ([0-9.]+)/) {
                    group.guardWindowSeconds = Self.seconds(guardTerm.1)
                    group.minimumRequests = Double(guardTerm.2)!
                }
                if group.terms.isEmpty { Issue.record("no burn-rate terms in \(alert): \(part)") }
                groups.append(group)
            }
            return BurnRateCondition(agentMatcher: matcher, groups: groups)
        }
    }

    /// The latency SLO's threshold per agent matcher, from the slow-request recording rules.
    func latencySLOThreshold(for agent: String) -> Double {
        for match in text.matches(of: /model_request_duration_seconds_bucket\{agent(=|!~)"([^"]*)",le="([0-9.]+)"\}/) {
            let agents = Set(match.2.split(separator: "|").map(String.init))
            if agents.contains(agent) != (match.1 == "!~") { return Double(match.3)! }
        }
        Issue.record("no latency SLO threshold for \(agent)")
        return .nan
    }
}
