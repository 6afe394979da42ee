/// RFC 3339 date-times (`2026-11-27T07:12:03.123Z`, `2026-11-27T09:12:03+02:00`) to and from
/// seconds since the Unix epoch, without Foundation: the parser calls this once per log line,
/// and `ISO8601DateFormatter` costs microseconds and allocates.
///
/// Accepted, following RFC 3339 section 5.6: `YYYY-MM-DD`, `T` or `t`, `HH:MM:SS`, an optional
/// `.` with one or more fraction digits, then `Z`, `z` or `±HH:MM`. Years 0000-9999 (proleptic
/// Gregorian). Everything else is refused: a space instead of `T`, a missing offset, `24:00:00`,
/// month 13, February 29 of a common year, an offset hour past 23.
///
/// A leap second (`:60`, allowed in any minute as RFC 3339's grammar allows) cannot be told apart
/// from the next minute in Unix time, so it is clamped to `:59.999`: the record still sorts
/// before the next minute, and ``format(_:)`` prints it back as `:59.999`.
package enum RFC3339Timestamp {
    /// Seconds since the epoch, or nil when `bytes` is not an RFC 3339 date-time of a real instant.
    ///
    /// Exact to the nearest double whenever `seconds * 10^fractionDigits` (trailing zeros dropped)
    /// is below 2^53 — milliseconds and microseconds for the years around now; longer fractions are
    /// within one unit in the last place.
    package static func parse(_ bytes: UnsafeRawBufferPointer) -> Double? {
        guard let base = bytes.baseAddress else { return nil }
        return parse(base, count: bytes.count)
    }

    /// The instant as `2026-11-27T07:12:03.123Z`: UTC, rounded to the nearest millisecond.
    ///
    /// Instants outside years 0000-9999 are clamped to that range and NaN prints as the epoch, so
    /// the output is always a valid RFC 3339 date-time that ``parse(_:)`` reads back.
    package static func format(_ epochSeconds: Double) -> String {
        let milliseconds: Int64
        if epochSeconds.isNaN {
            milliseconds = 0
        } else {
            let scaled = (epochSeconds * 1000).rounded()
            milliseconds = Int64(min(max(scaled, Double(minimumMilliseconds)), Double(maximumMilliseconds)))
        }
        let (days, millisecondOfDay) = floorDivide(milliseconds, by: 86_400_000)
        let (year, month, day) = civil(fromDays: days)
        let hour = millisecondOfDay / 3_600_000
        let minute = millisecondOfDay / 60_000 % 60
        let second = millisecondOfDay / 1000 % 60
        let millisecond = millisecondOfDay % 1000

        var text = [UInt8]()
        text.reserveCapacity(24)
        func append(_ value: Int64, digits: Int) {
            var divisor: Int64 = 1
            for _ in 1..<digits { divisor &*= 10 }
            while divisor > 0 {
                text.append(UInt8(truncatingIfNeeded: value / divisor % 10) &+ UInt8(ascii: "0"))
                divisor /= 10
            }
        }
        append(year, digits: 4)
        text.append(UInt8(ascii: "-"))
        append(month, digits: 2)
        text.append(UInt8(ascii: "-"))
        append(day, digits: 2)
        text.append(UInt8(ascii: "T"))
        append(hour, digits: 2)
        text.append(UInt8(ascii: ":"))
        append(minute, digits: 2)
        text.append(UInt8(ascii: ":"))
        append(second, digits: 2)
        text.append(UInt8(ascii: "."))
        append(millisecond, digits: 3)
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }

    /// Convenience for tests and configuration values; the hot path passes bytes.
    static func parse(_ text: String) -> Double? {
        var text = text
        return text.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    // 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z.
    static let minimumMilliseconds: Int64 = -62_167_219_200_000
    static let maximumMilliseconds: Int64 = 253_402_300_799_999

    static func parse(_ base: UnsafeRawPointer, count: Int) -> Double? {
        // The fixed part: "YYYY-MM-DDTHH:MM:SS" is 19 bytes, the shortest offset "Z" one more.
        guard count >= 20 else { return nil }
        @inline(__always) func byte(_ index: Int) -> UInt8 {
            base.load(fromByteOffset: index, as: UInt8.self)
        }
        // Two or four ASCII digits at `index`, or -1.
        @inline(__always) func digits(_ index: Int, _ width: Int) -> Int64 {
            var value: Int64 = 0
            for offset in 0..<width {
                let digit = byte(index + offset) &- UInt8(ascii: "0")
                guard digit < 10 else { return -1 }
                value = value * 10 + Int64(digit)
            }
            return value
        }
        let year = digits(0, 4)
        let month = digits(5, 2)
        let day = digits(8, 2)
        let hour = digits(11, 2)
        let minute = digits(14, 2)
        var second = digits(17, 2)
        guard year >= 0, month >= 1, month <= 12, day >= 1, day <= daysIn(month: month, year: year),
              hour >= 0, hour <= 23, minute >= 0, minute <= 59, second >= 0, second <= 60,
              byte(4) == UInt8(ascii: "-"), byte(7) == UInt8(ascii: "-"),
              byte(10) | 0x20 == UInt8(ascii: "t"),
              byte(13) == UInt8(ascii: ":"), byte(16) == UInt8(ascii: ":")
        else { return nil }

        var index = 19
        // Fraction digits as an integer with trailing zeros dropped: `fraction / 10^scale`.
        // Digits past the 18th cannot change a double near today's epoch and are ignored, which
        // keeps the integer from overflowing on a hostile thousand-digit fraction.
        var fraction: Int64 = 0
        var scale = 0
        if byte(index) == UInt8(ascii: ".") {
            index += 1
            let firstDigit = index
            var pendingZeros = 0
            while index < count {
                let digit = byte(index) &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                if scale + pendingZeros < 18 {
                    if digit == 0 {
                        pendingZeros += 1
                    } else {
                        for _ in 0..<pendingZeros { fraction *= 10 }
                        fraction = fraction * 10 + Int64(digit)
                        scale += pendingZeros + 1
                        pendingZeros = 0
                    }
                }
                index += 1
            }
            guard index > firstDigit else { return nil }
        }

        guard index < count else { return nil }
        var offsetSeconds: Int64 = 0
        switch byte(index) {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case let sign where sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"):
            guard count - index >= 6, byte(index + 3) == UInt8(ascii: ":") else { return nil }
            let offsetHour = digits(index + 1, 2)
            let offsetMinute = digits(index + 4, 2)
            guard offsetHour >= 0, offsetHour <= 23, offsetMinute >= 0, offsetMinute <= 59 else { return nil }
            offsetSeconds = offsetHour * 3600 + offsetMinute * 60
            if sign == UInt8(ascii: "-") { offsetSeconds = -offsetSeconds }
            index += 6
        default:
            return nil
        }
        guard index == count else { return nil }

        if second == 60 {
            second = 59
            fraction = 999
            scale = 3
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        guard scale > 0 else { return Double(seconds) }

        // One rounding when the scaled value is an exact double, the usual case.
        let power = exactPowerOfTen(scale)
        let (scaledSeconds, overflow) = seconds.multipliedReportingOverflow(by: Int64(power))
        let (total, carry) = scaledSeconds.addingReportingOverflow(fraction)
        if !overflow, !carry, total.magnitude < 1 << 53 {
            return Double(total) / power
        }
        return Double(seconds) + Double(fraction) / power
    }

    /// 10^exponent for 0...18, each exactly representable.
    @inline(__always)
    static func exactPowerOfTen(_ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<exponent { result *= 10 }
        return result
    }

    static func isLeapYear(_ year: Int64) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    package static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let shiftedMonth = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of ``daysFromCivil(year:month:day:)`` (Hinnant's `civil_from_days`).
    package static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func floorDivide(_ value: Int64, by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let quotient = value / divisor
        let remainder = value % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}
