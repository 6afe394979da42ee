/// Numbers as the Prometheus text format writes them: integers without a fraction, `+Inf`,
/// and the shortest round-tripping form otherwise (Go's ParseFloat reads `8.5e-05`).
package enum PrometheusNumber {
    package static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return value.description
    }

    package static func format(_ value: UInt64) -> String {
        String(value)
    }
}
