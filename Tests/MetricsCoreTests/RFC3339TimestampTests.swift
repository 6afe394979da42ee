import Foundation
import Testing
@testable import MetricsCore

@Suite struct RFC3339TimestampTests {
    struct Valid: Sendable, CustomTestStringConvertible {
        var text: String
        var seconds: Double
        var testDescription: String { text }
    }

    static let validTimestamps: [Valid] = [
        Valid(text: "1970-01-01T00:00:00Z", seconds: 0),
        Valid(text: "2026-11-27T07:12:03Z", seconds: 1_795_763_523),
        Valid(text: "2026-11-27T07:12:03.123Z", seconds: 1_795_763_523.123),
        Valid(text: "2026-11-27t07:12:03.123z", seconds: 1_795_763_523.123),
        Valid(text: "2026-11-27T09:12:03.123+02:00", seconds: 1_795_763_523.123),
        Valid(text: "2026-11-27T01:42:03.123-05:30", seconds: 1_795_763_523.123),
        Valid(text: "2026-11-27T07:12:03.123-00:00", seconds: 1_795_763_523.123),
        Valid(text: "2026-11-27T07:12:03.1Z", seconds: 1_795_763_523.1),
        Valid(text: "2026-11-27T07:12:03.123000000000Z", seconds: 1_795_763_523.123),
        Valid(text: "2026-11-27T07:12:03.123456Z", seconds: 1_795_763_523.123456),
        Valid(text: "2026-11-27T07:12:03.000Z", seconds: 1_795_763_523),
        Valid(text: "2024-02-29T00:00:00Z", seconds: 1_709_164_800),
        Valid(text: "2000-02-29T00:00:00Z", seconds: 951_782_400),
        Valid(text: "2000-01-01T00:00:00Z", seconds: 946_684_800),
        Valid(text: "1969-12-31T23:59:59.5Z", seconds: -0.5),
        Valid(text: "0000-01-01T00:00:00Z", seconds: -62_167_219_200),
        Valid(text: "9999-12-31T23:59:59Z", seconds: 253_402_300_799),
        Valid(text: "1970-01-01T00:00:00+23:59", seconds: -86_340),
        // A leap second is clamped to the last millisecond of its minute.
        Valid(text: "2016-12-31T23:59:60Z", seconds: 1_483_228_799.999),
        Valid(text: "2016-12-31T23:59:60.5Z", seconds: 1_483_228_799.999),
    ]

    @Test(arguments: validTimestamps)
    func parsesValidTimestamp(_ example: Valid) throws {
        let seconds = try #require(RFC3339Timestamp.parse(example.text))
        #expect(seconds.bitPattern == example.seconds.bitPattern, "got \(seconds)")
    }

    static let invalidTimestamps = [
        "", "2026-11-27", "2026-11-27T07:12:03", "2026-11-27T07:12Z", "2026-11-27 07:12:03Z",
        "2026-11-27_07:12:03Z", "2026-13-27T07:12:03Z", "2026-00-27T07:12:03Z", "2026-11-00T07:12:03Z",
        "2026-11-31T07:12:03Z", "2026-02-29T07:12:03Z", "1900-02-29T07:12:03Z", "2026-11-27T24:00:00Z",
        "2026-11-27T07:60:03Z", "2026-11-27T07:12:61Z", "2026-11-27T07:12:03.Z", "2026-11-27T07:12:03,5Z",
        "2026-11-27T07:12:03+02", "2026-11-27T07:12:03+0200", "2026-11-27T07:12:03+24:00",
        "2026-11-27T07:12:03+02:60", "2026-11-27T07:12:03+2:00", "2026-11-27T07:12:03 Z",
        "2026-11-27T07:12:03Z ", " 2026-11-27T07:12:03Z", "2026-11-27T07:12:03ZZ", "2026-11-27T07:12:03UTC",
        "20261127T071203Z", "2026-1-27T07:12:03Z", "-2026-11-27T07:12:03Z", "+02026-11-27T07:12:03Z",
        "2026-11-27T07:12:03.123", "2026-11-27T07:12:03.12a3Z", "2026/11/27T07:12:03Z", "２026-11-27T07:12:03Z",
        "2026-11-27T07:12:03+02:00:00", "2026-11-27T07:12:03.\u{0}Z",
    ]

    @Test(arguments: invalidTimestamps)
    func refusesInvalidTimestamp(_ text: String) {
        #expect(RFC3339Timestamp.parse(text) == nil)
    }

    @Test func validatesEveryDayOfFourHundredYears() {
        // The Gregorian cycle: every month length and every leap-year rule appears.
        var expectedDays = RFC3339Timestamp.daysFromCivil(year: 2000, month: 1, day: 1)
        for year in Int64(2000)..<2400 {
            for month in Int64(1)...12 {
                for day in Int64(1)...31 {
                    let text = String(format: "%04lld-%02lld-%02lldT00:00:00Z", year, month, day)
                    let parsed = RFC3339Timestamp.parse(text)
                    if day <= RFC3339Timestamp.daysIn(month: month, year: year) {
                        #expect(parsed == Double(expectedDays * 86_400), "\(text)")
                        expectedDays += 1
                    } else {
                        #expect(parsed == nil, "\(text)")
                    }
                }
            }
        }
    }

    @Test func civilDaysRoundTrip() {
        for days in stride(from: Int64(-800_000), through: 3_000_000, by: 97) {
            let (year, month, day) = RFC3339Timestamp.civil(fromDays: days)
            #expect(RFC3339Timestamp.daysFromCivil(year: year, month: month, day: day) == days)
        }
    }

    @Test func formatsAtMillisecondPrecision() {
        #expect(RFC3339Timestamp.format(1_795_763_523.123) == "2026-11-27T07:12:03.123Z")
        #expect(RFC3339Timestamp.format(1_795_763_523) == "2026-11-27T07:12:03.000Z")
        #expect(RFC3339Timestamp.format(1_795_763_523.1234) == "2026-11-27T07:12:03.123Z")
        #expect(RFC3339Timestamp.format(1_795_763_523.9996) == "2026-11-27T07:12:04.000Z")
        #expect(RFC3339Timestamp.format(0) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339Timestamp.format(-0.5) == "1969-12-31T23:59:59.500Z")
        #expect(RFC3339Timestamp.format(1_709_164_800) == "2024-02-29T00:00:00.000Z")
        #expect(RFC3339Timestamp.format(1_483_228_799.999) == "2016-12-31T23:59:59.999Z")
    }

    @Test func formatClampsWhatRFC3339CannotWrite() {
        #expect(RFC3339Timestamp.format(.nan) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339Timestamp.format(.infinity) == "9999-12-31T23:59:59.999Z")
        #expect(RFC3339Timestamp.format(-.infinity) == "0000-01-01T00:00:00.000Z")
        #expect(RFC3339Timestamp.format(1e300) == "9999-12-31T23:59:59.999Z")
        #expect(RFC3339Timestamp.format(-1e300) == "0000-01-01T00:00:00.000Z")
    }

    @Test func formatThenParseRoundTrips() throws {
        var random = CallLogParserTests.SplitMix64(seed: 3339)
        let span = UInt64(RFC3339Timestamp.maximumMilliseconds - RFC3339Timestamp.minimumMilliseconds + 1)
        for _ in 0..<20_000 {
            let milliseconds = RFC3339Timestamp.minimumMilliseconds + Int64(random.next() % span)
            let seconds = Double(milliseconds) / 1000
            let text = RFC3339Timestamp.format(seconds)
            let parsed = try #require(RFC3339Timestamp.parse(text), "\(text)")
            #expect(parsed.bitPattern == seconds.bitPattern, "\(text)")
            #expect(RFC3339Timestamp.format(parsed) == text)
        }
    }

    /// Foundation's formatter as an independent oracle, on instants written with random offsets
    /// and with or without milliseconds. Foundation keeps dates as seconds since 2001 in a
    /// double, so the two agree to well under a microsecond, not bit for bit.
    @Test func agreesWithISO8601DateFormatter() throws {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var random = CallLogParserTests.SplitMix64(seed: 8601)
        for _ in 0..<3000 {
            // 1970 ... 2100, whole milliseconds.
            let milliseconds = Int64(random.next() % 4_102_444_800_000)
            let offsetMinutes = Int64(random.next() % (2 * 14 * 60 + 1)) - 14 * 60
            let withFraction = random.next() % 2 == 0
            let wholeMilliseconds = withFraction ? milliseconds : milliseconds / 1000 * 1000
            let local = wholeMilliseconds + offsetMinutes * 60_000
            let (days, millisecondOfDay) = RFC3339Timestamp.floorDivide(local, by: 86_400_000)
            let (year, month, day) = RFC3339Timestamp.civil(fromDays: days)
            var text = String(
                format: "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld", year, month, day,
                millisecondOfDay / 3_600_000, millisecondOfDay / 60_000 % 60, millisecondOfDay / 1000 % 60
            )
            if withFraction { text += String(format: ".%03lld", millisecondOfDay % 1000) }
            if offsetMinutes == 0, random.next() % 2 == 0 {
                text += "Z"
            } else {
                text += (offsetMinutes < 0 ? "-" : "+")
                    + String(format: "%02lld:%02lld", abs(offsetMinutes) / 60, abs(offsetMinutes) % 60)
            }
            let ours = try #require(RFC3339Timestamp.parse(text), "\(text)")
            let date = try #require((withFraction ? fractional : plain).date(from: text), "\(text)")
            #expect(abs(ours - date.timeIntervalSince1970) < 1e-6, "\(text)")
            #expect(ours.bitPattern == (Double(wholeMilliseconds) / 1000).bitPattern, "\(text)")
        }
    }
}
