import CSQLite
import MetricsCore
import NIOCore

/// PostgreSQL's COPY text format, written from SQLite values by hand: it is the whole cost
/// of a batch on our side, and going through `String` for every value halves the rate.
///
/// - NULL is `\N`; in text, backslash, tab, newline and carriage return are escaped.
/// - A NUL byte cannot be stored in PostgreSQL `text` at all; rather than fail the batch (and
///   stall shipping behind a row that can never go), it is written as U+FFFD. Nothing else is
///   changed: the parser stored only valid UTF-8.
/// - A blob (`rejected_lines.excerpt`, the line's first bytes as read, possibly not UTF-8)
///   becomes bytea hex, `\\x...` (the backslash itself escaped for COPY).
/// - Integers in columns PostgreSQL declares boolean are SQLite's 0/1, which `boolean`
///   accepts as input.
enum CopyText {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    static func write(_ row: SQLiteStatement, _ column: Int32, into out: inout ByteBuffer) {
        switch row.columnType(column) {
        case SQLITE_NULL:
            out.writeStaticString("\\N")
        case SQLITE_INTEGER:
            writeInteger(row.int64(column), into: &out)
        case SQLITE_FLOAT:
            writeDouble(row.double(column), into: &out)
        case SQLITE_BLOB:
            row.withBytes(column) { bytes in
                out.writeStaticString("\\\\x")
                out.reserveCapacity(minimumWritableBytes: bytes.count * 2)
                for byte in bytes {
                    out.writeInteger(hex[Int(byte >> 4)])
                    out.writeInteger(hex[Int(byte & 0xF)])
                }
            }
        default:
            row.withBytes(column) { writeText($0, into: &out) }
        }
    }

    static func writeText(_ bytes: UnsafeRawBufferPointer, into out: inout ByteBuffer) {
        // Fast path: most values need no escaping at all.
        var clean = true
        for byte in bytes where byte == UInt8(ascii: "\\") || byte < 0x20 {
            clean = false
            break
        }
        if clean {
            out.writeBytes(bytes)
            return
        }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\\"): out.writeStaticString("\\\\")
            case UInt8(ascii: "\t"): out.writeStaticString("\\t")
            case UInt8(ascii: "\n"): out.writeStaticString("\\n")
            case UInt8(ascii: "\r"): out.writeStaticString("\\r")
            case 0: out.writeBytes([0xEF, 0xBF, 0xBD])
            default: out.writeInteger(byte)
            }
        }
    }

    static func writeInteger(_ value: Int64, into out: inout ByteBuffer) {
        if value == 0 {
            out.writeInteger(UInt8(ascii: "0"))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes: room for 20 digits and a sign
        let magnitude = value.magnitude
        withUnsafeMutableBytes(of: &digits) { buffer in
            var index = buffer.count
            var rest = magnitude
            while rest > 0 {
                index -= 1
                buffer[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            if value < 0 {
                index -= 1
                buffer[index] = UInt8(ascii: "-")
            }
            out.writeBytes(UnsafeRawBufferPointer(rebasing: buffer[index...]))
        }
    }

    static func writeDouble(_ value: Double, into out: inout ByteBuffer) {
        if value.isNaN {
            out.writeStaticString("NaN")
        } else if value.isInfinite {
            out.writeStaticString(value < 0 ? "-Infinity" : "Infinity")
        } else if value == value.rounded(), value.magnitude < 1e15 {
            // Whole numbers (token counts, most ts in epoch seconds): no String needed.
            writeInteger(Int64(value), into: &out)
        } else {
            // Swift's shortest round-trip form (`1.5`, `1e-05`): PostgreSQL reads it back exactly.
            out.writeString(value.description)
        }
    }
}
