/// The exporter's own counters that survive restarts (stored with the model totals).
public struct ExporterCounters: Sendable, Equatable {
    public var acceptedLines: UInt64 = 0
    public var rejectedLines: [RejectReason: UInt64] = [:]
    /// Bytes of the call log consumed (complete lines only).
    public var readBytes: UInt64 = 0
    public var rotations: UInt64 = 0
    public var truncations: UInt64 = 0
    /// Lines whose labels were folded into `other` because a label bound was reached, by label.
    public var foldedLines: [String: UInt64] = [:]
    /// Files that disappeared (rotated away and deleted) before the exporter finished them.
    public var lostFiles: UInt64 = 0

    public init() {}

    public var rejectedTotal: UInt64 { rejectedLines.values.reduce(0, &+) }
}
