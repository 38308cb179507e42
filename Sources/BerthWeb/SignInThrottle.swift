import Foundation
import Synchronization

/// Limits failed sign-ins: after `limit` failures within `window` from one client address, or
/// for one account name, further attempts are refused until the oldest failure leaves the
/// window, whether the password would be right or not (a guesser learns nothing more).
public final class SignInThrottle: Sendable {
    /// Failures allowed per key within the window.
    public let limit: Int
    /// How long a failure counts.
    public let window: TimeInterval
    private let failures = Mutex<[String: [Date]]>([:])

    /// A throttle of `limit` failures per `window` (defaults: 5 per 15 minutes).
    public init(limit: Int = 5, window: TimeInterval = 15 * 60) {
        self.limit = max(1, limit)
        self.window = window
    }

    /// Seconds until an attempt under these keys is allowed again; nil when it is allowed now.
    public func wait(for keys: [String], now: Date) -> TimeInterval? {
        failures.withLock { failures in
            var wait: TimeInterval?
            for key in keys {
                let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
                failures[key] = recent.isEmpty ? nil : recent
                if recent.count >= limit, let oldest = recent.first {
                    wait = max(wait ?? 0, window - now.timeIntervalSince(oldest))
                }
            }
            return wait
        }
    }

    /// Records a failed attempt under each key.
    public func recordFailure(for keys: [String], now: Date) {
        failures.withLock { failures in
            if failures.count > 100_000 { failures.removeAll() }
            for key in keys { failures[key, default: []].append(now) }
        }
    }
}
