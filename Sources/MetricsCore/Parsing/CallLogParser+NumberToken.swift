// CallLogParser.NumberToken: a checked JSON number and its value (see CallLogParser.swift).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Tokens

extension CallLogParser {
    /// A number checked against JSON's grammar, as the positions of its parts.
    struct NumberToken {
        var start = 0
        var end = 0
        var negative = false
        var integerStart = 0
        var integerEnd = 0
        /// Equal to `fractionEnd` when there is no fraction.
        var fractionStart = 0
        var fractionEnd = 0
        /// The written exponent, saturated at ±10^15: past that every double is 0 or infinite
        /// and the arithmetic below stays far from overflow.
        var exponent = 0

        static let exponentLimit = 1_000_000_000_000_000

        /// The digits of integer and fraction in order, as if the point were not there.
        @inline(__always)
        func digit(_ index: Int, _ base: UnsafeRawPointer) -> UInt8 {
            let integerCount = integerEnd &- integerStart
            let position = index < integerCount ? integerStart &+ index : fractionStart &+ (index &- integerCount)
            return base.load(fromByteOffset: position, as: UInt8.self) &- UInt8(ascii: "0")
        }

        var digitCount: Int { (integerEnd &- integerStart) &+ (fractionEnd &- fractionStart) }

        /// The double nearest to the written value, as `strtod` gives it.
        ///
        /// Up to 15 significant digits and a decimal exponent within ±22 both the digits and the
        /// power of ten are exact doubles, so one multiplication or division is correctly rounded
        /// (Clinger's fast path); everything else goes to `strtod`.
        @inline(__always)
        func doubleValue(_ base: UnsafeRawPointer) -> Double {
            var mantissa: UInt64 = 0
            var significant = 0
            let count = digitCount
            var index = 0
            while index < count, significant <= 15 {
                let value = digit(index, base)
                if mantissa != 0 || value != 0 {
                    mantissa = mantissa &* 10 &+ UInt64(value)
                    significant &+= 1
                }
                index &+= 1
            }
            if index == count {
                if mantissa == 0 { return negative ? -0.0 : 0.0 }
                let scale = exponent &- (fractionEnd &- fractionStart)
                if significant <= 15, scale >= -22, scale <= 22 {
                    let magnitude = scale < 0
                        ? Double(mantissa) / Self.exactPowersOfTen[-scale]
                        : Double(mantissa) * Self.exactPowersOfTen[scale]
                    return negative ? -magnitude : magnitude
                }
            }
            return strtodValue(base)
        }

        /// Hands the number to `strtod` as `[-]DIGITSe[-]SCALE`: without a decimal point the
        /// result cannot depend on the C locale's radix character.
        private func strtodValue(_ base: UnsafeRawPointer) -> Double {
            let count = digitCount
            let scale = exponent &- (fractionEnd &- fractionStart)
            return withUnsafeTemporaryAllocation(of: CChar.self, capacity: count &+ 24) { buffer in
                guard let text = buffer.baseAddress else { return .nan }
                var length = 0
                @inline(__always) func put(_ byte: UInt8) {
                    text[length] = CChar(bitPattern: byte)
                    length &+= 1
                }
                if negative { put(UInt8(ascii: "-")) }
                for index in 0..<count {
                    put(digit(index, base) &+ UInt8(ascii: "0"))
                }
                put(UInt8(ascii: "e"))
                if scale < 0 { put(UInt8(ascii: "-")) }
                // The scale's digits, last first, then reversed in place: no array per number
                // (every cost with 17 significant digits comes here).
                var magnitude = scale.magnitude
                let scaleStart = length
                repeat {
                    put(UInt8(truncatingIfNeeded: magnitude % 10) &+ UInt8(ascii: "0"))
                    magnitude /= 10
                } while magnitude > 0
                var low = scaleStart
                var high = length &- 1
                while low < high {
                    buffer.swapAt(low, high)
                    low &+= 1
                    high &-= 1
                }
                put(0)
                return strtod(text, nil)
            }
        }

        /// 10^0 ... 10^22, the powers of ten that are exact doubles.
        static let exactPowersOfTen: [Double] = [
            1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
            1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
        ]

        enum IntegerMagnitude: Equatable {
            case magnitude(Int64)
            case notIntegral
            case outOfRange
        }

        /// The exact value as a 64-bit magnitude, decided on the decimal digits rather than a
        /// double so that `9223372036854775807` fits and `9223372036854775808` does not.
        func integerMagnitude(_ base: UnsafeRawPointer) -> IntegerMagnitude {
            let count = digitCount
            var first = 0
            while first < count, digit(first, base) == 0 { first &+= 1 }
            guard first < count else { return .magnitude(0) }
            var last = count &- 1
            while digit(last, base) == 0 { last &-= 1 }
            // The value is digits[first...last] * 10^scale.
            let scale = exponent &- (fractionEnd &- fractionStart) &+ (count &- 1 &- last)
            guard scale >= 0 else { return .notIntegral }
            let significant = last &- first &+ 1
            guard significant &+ scale <= 19 else { return .outOfRange }
            var value: UInt64 = 0
            for index in first...last {
                value = value &* 10 &+ UInt64(digit(index, base))
            }
            for _ in 0..<scale {
                let (product, overflow) = value.multipliedReportingOverflow(by: 10)
                guard !overflow else { return .outOfRange }
                value = product
            }
            guard value <= UInt64(Int64.max) else { return .outOfRange }
            return .magnitude(Int64(value))
        }
    }
}
