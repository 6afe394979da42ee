/// A call-log file as the store remembers it: where it was, what it is, how far it was read.
package struct SourceFile: Sendable, Equatable {
    package enum State: String, Sendable {
        /// The file currently at the configured path.
        case active
        /// Renamed away (or deleted) while lines may still arrive; read to its end, then finished.
        case rotated
        /// Read to its end; never read again.
        case finished
    }

    package var id: Int64
    package var path: String
    package var identity: FileIdentity
    /// The file's first bytes (up to `FileIdentity.fingerprintLength`).
    package var fingerprint: [UInt8]
    /// Byte offset just past the last complete line stored.
    package var readOffset: Int64
    package var state: State

    package init(id: Int64, path: String, identity: FileIdentity, fingerprint: [UInt8], readOffset: Int64, state: State) {
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
package struct FileIdentity: Hashable, Sendable {
    package var device: UInt64
    package var inode: UInt64

    package init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    /// How many leading bytes make a file's fingerprint: enough to cover the first line, whose
    /// timestamp and request id make it unique to the file.
    package static let fingerprintLength = 256
}
