#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A call log read whole into memory, split into lines once: the microbenchmarks time the
/// parts of ingest without the file I/O and line splitting that the end-to-end measure covers.
struct LogImage {
    let bytes: [UInt8]
    /// Start offset and length (without the newline) of each line.
    let lines: [(start: Int, count: Int)]

    var lineCount: Int { lines.count }

    init(path: String) throws(BenchFailure) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BenchFailure("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw BenchFailure("cannot stat \(path)") }
        let size = Int(info.st_size)
        var readError: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var done = 0
            while done < size {
                let n = read(fd, buffer.baseAddress! + done, size - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    readError = n < 0 ? errno : 0
                    break
                }
                done += n
            }
            initialized = done
        }
        guard bytes.count == size else {
            throw BenchFailure("short read of \(path) (\(bytes.count) of \(size) bytes, errno \(readError))")
        }
        var lines: [(start: Int, count: Int)] = []
        lines.reserveCapacity(size / 256)
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var start = 0
            while start < size {
                guard let newline = memchr(base + start, 0x0A, size - start) else {
                    // A last line without its newline is not a line yet, as for the tailer.
                    break
                }
                let end = base.distance(to: UnsafeRawPointer(newline))
                lines.append((start, end - start))
                start = end + 1
            }
        }
        self.bytes = bytes
        self.lines = lines
    }
}
