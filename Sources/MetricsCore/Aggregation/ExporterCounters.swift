/// The exporter's own counters that survive restarts (stored with the model totals).
package struct ExporterCounters: Sendable, Equatable {
    package var acceptedLines: UInt64 = 0
    package var rejectedLines: [RejectReason: UInt64] = [:]
    /// Bytes of the call log consumed (complete lines only).
    package var readBytes: UInt64 = 0
    package var rotations: UInt64 = 0
    package var truncations: UInt64 = 0
    /// Lines whose labels were folded into `other` because a label bound was reached, by label.
    package var foldedLines: [String: UInt64] = [:]
    /// Files that disappeared (rotated away and deleted) before the exporter finished them.
    package var lostFiles: UInt64 = 0

    package init() {}

    package var rejectedTotal: UInt64 { rejectedLines.values.reduce(0, &+) }
}
