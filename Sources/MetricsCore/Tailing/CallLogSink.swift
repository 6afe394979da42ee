/// Receives what a `CallLogTailer` reads. Lines are handed over as borrowed bytes, valid only
/// during the call; offsets are byte offsets of the line's first byte in its file.
package protocol CallLogSink: AnyObject {
    func line(_ bytes: UnsafeRawBufferPointer, source: Int64, offset: Int64)
    /// A line longer than the limit; only its first bytes were kept.
    func oversizedLine(source: Int64, offset: Int64, length: Int64, excerpt: UnsafeRawBufferPointer)
    /// A file seen for the first time; returns the id under which its lines are stored.
    func registerSource(path: String, identity: FileIdentity, fingerprint: [UInt8]) throws -> Int64
    func fileRotated(source: Int64)
    func fileTruncated(source: Int64)
    /// A file known from the last run that can no longer be found; lines it still held are lost.
    func fileLost(source: Int64)
}

/// A file's read position as it must be stored with the batch that reached it.
package struct SourcePosition: Sendable, Equatable {
    package var id: Int64
    package var readOffset: Int64
    package var fingerprint: [UInt8]
    package var state: SourceFile.State
}

/// What /health and the exporter's own metrics say about the call log.
package struct CallLogStatus: Sendable, Equatable {
    package var path: String
    /// The configured path exists.
    package var fileExists: Bool
    /// Committed-able read position in the active file.
    package var readOffset: Int64
    /// Size of the active file.
    package var fileSize: Int64
    /// Renamed-away files still being read.
    package var drainingFiles: Int
    /// Unread bytes in all open files.
    package var lagBytes: Int64
    package var lastError: String?
    /// Paths followed (more than one for a glob).
    package var files: Int = 1

    package init(path: String, fileExists: Bool = false, readOffset: Int64 = 0, fileSize: Int64 = 0,
                drainingFiles: Int = 0, lagBytes: Int64 = 0, lastError: String? = nil) {
        self.path = path
        self.fileExists = fileExists
        self.readOffset = readOffset
        self.fileSize = fileSize
        self.drainingFiles = drainingFiles
        self.lagBytes = lagBytes
        self.lastError = lastError
    }
}
