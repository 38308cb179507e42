import Foundation
import Synchronization

/// The interface's sessions, held in memory by the server: a session ends when its visitor
/// signs out, when it has been idle for `idleTimeout`, `lifetime` after it began, and when the
/// server stops (everyone signs in again after a restart). At most `capacity` sessions live;
/// past that, the least recently used go first. Safe to use from any thread.
public final class WebSessionStore: Sendable {
    /// A session unused this long has ended.
    public let idleTimeout: TimeInterval
    /// A session this old has ended, used or not.
    public let lifetime: TimeInterval
    /// The most sessions kept.
    public let capacity: Int
    private let sessions = Mutex<[String: WebSession]>([:])

    /// A store with the given limits (defaults: 30 minutes idle, 12 hours in all, 10 000 sessions).
    public init(idleTimeout: TimeInterval = 30 * 60, lifetime: TimeInterval = 12 * 3600, capacity: Int = 10_000) {
        self.idleTimeout = idleTimeout
        self.lifetime = lifetime
        self.capacity = max(1, capacity)
    }

    /// Starts a session for `account` (nil: a visitor not signed in, who needs a CSRF token
    /// for the sign-in form).
    public func start(account: String?, now: Date) -> WebSession {
        let session = WebSession(id: WebSession.randomToken(), csrfToken: WebSession.randomToken(), account: account,
                                 createdAt: now, lastSeen: now)
        sessions.withLock { sessions in
            if sessions.count >= capacity {
                // Expired ones first, then the least recently used.
                sessions = sessions.filter { !isExpired($0.value, now) }
                while sessions.count >= capacity, let oldest = sessions.min(by: { $0.value.lastSeen < $1.value.lastSeen }) {
                    sessions.removeValue(forKey: oldest.key)
                }
            }
            sessions[session.id] = session
        }
        return session
    }

    /// The live session with this id, its use recorded; nil (and forgotten) when it has ended.
    public func session(_ id: String, now: Date) -> WebSession? {
        sessions.withLock { sessions in
            guard var session = sessions[id] else { return nil }
            guard !isExpired(session, now) else {
                sessions.removeValue(forKey: id)
                return nil
            }
            session.lastSeen = now
            sessions[id] = session
            return session
        }
    }

    /// Ends a session (sign-out).
    public func end(_ id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// How many sessions are held (expired ones not yet swept included).
    public var count: Int { sessions.withLock { $0.count } }

    private func isExpired(_ session: WebSession, _ now: Date) -> Bool {
        now.timeIntervalSince(session.lastSeen) > idleTimeout || now.timeIntervalSince(session.createdAt) > lifetime
    }
}
