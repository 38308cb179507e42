import BerthEngine
import Foundation
import Synchronization

/// A clock a test moves by hand: expiry is judged by the moment the test chooses, never by how
/// long a loaded machine took to get there.
final class ManualClock: RegistryClock {
    private let current: Mutex<Date>

    /// A clock standing at `start`.
    init(_ start: Date = Date()) { current = Mutex(start) }

    func now() -> Date { current.withLock { $0 } }

    /// Moves the clock forward.
    func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
