import Foundation

/// How the report writes numbers for people: percentages, seconds, dollars, p-values, counts
/// with thousands separators. JSON carries the raw numbers instead.
enum ReportNumber {
    /// 0.1523 → "15.2%".
    static func percent(_ value: Double?) -> String {
        guard let value else { return "–" }
        return String(format: "%.1f%%", value * 100)
    }

    /// A rate with its interval: "15.2% (13.8–16.7)".
    static func percent(_ value: Double?, interval: ClosedRange<Double>?) -> String {
        guard let value else { return "–" }
        guard let interval else { return percent(value) }
        return percent(value) + String(format: " (%.1f–%.1f)", interval.lowerBound * 100, interval.upperBound * 100)
    }

    /// A share without decimals when it has none: 0.2 → "20%", 0.125 → "12.5%".
    static func share(_ value: Double) -> String {
        let percent = value * 100
        return percent == percent.rounded() ? String(format: "%.0f%%", percent) : String(format: "%.1f%%", percent)
    }

    /// A difference of rates in percentage points: "+13.1 pp".
    static func points(_ difference: Double) -> String {
        // No "-0.0 pp" for a difference that rounds to nothing.
        abs(difference * 100) < 0.05 ? "0.0 pp" : String(format: "%+.1f pp", difference * 100)
    }

    /// Seconds with three significant digits: "0.702 s", "31.2 s".
    static func seconds(_ value: Double?) -> String {
        guard let value else { return "–" }
        if value == 0 { return "0 s" }
        if value >= 100 { return String(format: "%.0f s", value) }
        if value >= 10 { return String(format: "%.1f s", value) }
        if value >= 1 { return String(format: "%.2f s", value) }
        return String(format: "%.3f s", value)
    }

    /// Dollars to six decimals (per-request costs are fractions of a cent): "$0.000123".
    static func dollars(_ value: Double?) -> String {
        guard let value else { return "–" }
        return String(format: "$%.6f", value)
    }

    /// "p < 0.001", "p = 0.012", "p = 0.87".
    static func pValue(_ p: Double) -> String {
        p < 0.001 ? "p < 0.001" : "p = " + probability(p)
    }

    /// A p-value in a table cell: "< 0.001", "0.012", "0.049", "0.87". Three places below 0.1,
    /// so that a p just under 0.05 never prints as "0.05".
    static func probability(_ p: Double) -> String {
        if p < 0.001 { return "< 0.001" }
        if p < 0.1 { return String(format: "%.3f", p) }
        return String(format: "%.2f", p)
    }

    /// A relative change: 1.234 → "+23.4%".
    static func change(_ ratio: Double?) -> String {
        guard let ratio, ratio.isFinite else { return "–" }
        let percent = (ratio - 1) * 100
        return abs(percent) < 0.05 ? "0.0%" : String(format: "%+.1f%%", percent)
    }

    /// 1234567 → "1,234,567".
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (i, digit) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }
}
