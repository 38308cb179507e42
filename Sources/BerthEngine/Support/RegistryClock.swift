import Foundation

/// The wall clock the engine reads for every time it records or judges: push and link times,
/// account and robot expiry, upload expiry, garbage collection's and retention's cutoffs.
///
/// One injectable source so that a test (or an embedder's) decides what "now" is instead of
/// racing real seconds: a robot that expires "in six seconds" expires when the test moves the
/// clock, however long a loaded machine takes to get there.
public protocol RegistryClock: Sendable {
    /// The current time.
    func now() -> Date
}

/// The system's wall clock.
public struct SystemClock: RegistryClock {
    /// The system clock.
    public init() {}

    /// `Date()`.
    public func now() -> Date { Date() }
}
