/// The monotonic seconds the tailing layer measures its intervals with: the rotation grace of
/// a renamed file and the glob's rescan interval.
///
/// Injected rather than read from `WallClock` so that tests step time by hand (as mtail's
/// tailer tests do) and a 2 s grace or a 1 s rescan costs them nothing. Sendable because the
/// ingest pipeline polls on its reader thread while a test advances time on its own.
package struct MonotonicClock: Sendable {
    private let read: @Sendable () -> Double

    package init(_ read: @escaping @Sendable () -> Double) {
        self.read = read
    }

    /// Seconds since an arbitrary origin; never goes backwards.
    package func now() -> Double { read() }

    /// CLOCK_MONOTONIC: unaffected by NTP steps or a changed wall clock.
    package static let system = MonotonicClock { WallClock.monotonic() }
}
