/// What the reader thread hands the store thread: up to one batch of parsed lines, the
/// files it met, and the read positions that the batch reaches.
struct ParsedBatch: Sendable {
    enum Item: Sendable {
        /// `index`: the record's place within its line (formats with several records per line).
        case call(CallRecord, source: Int64, offset: Int64, index: Int32)
        case rejected(LineRejection, source: Int64, offset: Int64, index: Int32, length: Int64, excerpt: [UInt8])
    }

    struct NewSource: Sendable {
        var id: Int64
        var path: String
        var identity: FileIdentity
        var fingerprint: [UInt8]
    }

    /// Which poll of the reader made this batch (see `BatchReader.requestPoll`).
    var sequence: UInt64 = 0
    var items: [Item] = []
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
        !items.isEmpty || !newSources.isEmpty || bytes > 0 || rotations > 0 || truncations > 0 || lostFiles > 0
            || positions.contains { $0.state == .finished }
    }
}
