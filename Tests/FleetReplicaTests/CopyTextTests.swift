import NIOCore
import Testing
@testable import FleetReplica

/// COPY text encoding: escapes, NULs, numbers.
@Suite struct CopyTextTests {
    func text(_ bytes: [UInt8]) -> String {
        var out = ByteBuffer()
        bytes.withUnsafeBytes { CopyText.writeText($0, into: &out) }
        return String(buffer: out)
    }

    @Test func escapesWhatCopyTreatsSpecially() {
        #expect(text(Array("plain agent".utf8)) == "plain agent")
        #expect(text(Array("a\tb\nc\\d\re".utf8)) == "a\\tb\\nc\\\\d\\re")
        #expect(text([0x61, 0, 0x62]) == "a\u{FFFD}b")
    }

    @Test func writesNumbersPostgreSQLReadsBackExactly() {
        func number(_ value: Double) -> String {
            var out = ByteBuffer()
            CopyText.writeDouble(value, into: &out)
            return String(buffer: out)
        }
        func integer(_ value: Int64) -> String {
            var out = ByteBuffer()
            CopyText.writeInteger(value, into: &out)
            return String(buffer: out)
        }
        #expect(integer(0) == "0")
        #expect(integer(-42) == "-42")
        #expect(integer(Int64.min) == "-9223372036854775808")
        #expect(integer(Int64.max) == "9223372036854775807")
        #expect(number(1_764_000_000) == "1764000000")
        #expect(number(1.5) == "1.5")
        #expect(number(0.00001) == "1e-05")
        #expect(number(-.infinity) == "-Infinity")
    }
}
