/// What the reader thread hands the store thread: up to one batch of parsed lines, the
/// files it met, and the read positions that the batch reaches.
///
/// Calls and rejections are two arrays, not one of an enum of both: the store thread reads each
/// call in place (`calls[i]` is borrowed) instead of copying it out of an enum case, which cost
/// a retain and a release of every string of every call (issue 14). Their relative order does
/// not matter: they go to different tables, each in its own order.
struct ParsedBatch: Sendable {
    struct Call: Sendable {
        var record: CallRecord
        var source: Int64
        var offset: Int64
        /// The record's place within its line (formats with several records per line).
        var index: Int32
    }

    struct Rejected: Sendable {
        var rejection: LineRejection
        var source: Int64
        var offset: Int64
        var index: Int32
        var length: Int64
        var excerpt: [UInt8]
    }

    struct NewSource: Sendable {
        var id: Int64
        var path: String
        var identity: FileIdentity
        var fingerprint: [UInt8]
    }

    /// Which poll of the reader made this batch (see `BatchReader.requestPoll`).
    var sequence: UInt64 = 0
    var calls: [Call] = []
    var rejections: [Rejected] = []
    var newSources: [NewSource] = []
    var positions: [SourcePosition] = []
    var rotations = 0
    var truncations = 0
    var lostFiles = 0
    var lines = 0
    var bytes: Int64 = 0
    var caughtUp = false
    var status = CallLogStatus(path: "")
    var readError: TailError?

    /// Whether storing this batch changes anything in the database.
    var changesStore: Bool {
        !calls.isEmpty || !rejections.isEmpty || !newSources.isEmpty || bytes > 0 || rotations > 0 || truncations > 0 || lostFiles > 0
            || positions.contains { $0.state == .finished }
    }
}
