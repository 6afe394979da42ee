/// A call-log file as the store remembers it: where it was, what it is, how far it was read.
public struct SourceFile: Sendable, Equatable {
    public enum State: String, Sendable {
        /// The file currently at the configured path.
        case active
        /// Renamed away (or deleted) while lines may still arrive; read to its end, then finished.
        case rotated
        /// Read to its end; never read again.
        case finished
    }

    public var id: Int64
    public var path: String
    public var identity: FileIdentity
    /// The file's first bytes (up to `FileIdentity.fingerprintLength`).
    public var fingerprint: [UInt8]
    /// Byte offset just past the last complete line stored.
    public var readOffset: Int64
    public var state: State

    public init(id: Int64, path: String, identity: FileIdentity, fingerprint: [UInt8], readOffset: Int64, state: State) {
        self.id = id
        self.path = path
        self.identity = identity
        self.fingerprint = fingerprint
        self.readOffset = readOffset
        self.state = state
    }
}

/// Device and inode of a file. With the fingerprint, tells whether the file at a path is still
/// the one we were reading (inode numbers are reused once a file is deleted).
public struct FileIdentity: Hashable, Sendable {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    /// How many leading bytes make a file's fingerprint: enough to cover the first line, whose
    /// timestamp and request id make it unique to the file.
    public static let fingerprintLength = 256
}
