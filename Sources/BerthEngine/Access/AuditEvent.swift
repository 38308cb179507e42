import BerthModel
import Foundation

/// One entry of the audit log.
public struct AuditEvent: Sendable, Codable, Equatable {
    /// When it happened.
    public var time: Date
    /// Who did it (`anonymous`, or an account name; for login failures, the name tried).
    public var actor: String
    /// What: `push`, `delete`, `policy`, `login-failed`, `user`, `project`, `member`, `gc`, …
    public var action: String
    /// The repository concerned, if any.
    public var repository: String?
    /// The digest concerned, if any.
    public var digest: String?
    /// Anything else worth keeping.
    public var detail: String?

    /// An event.
    public init(time: Date = Date(), actor: String, action: String, repository: String? = nil, digest: String? = nil, detail: String? = nil) {
        self.time = time
        self.actor = actor
        self.action = action
        self.repository = repository
        self.digest = digest
        self.detail = detail
    }

    /// The event as the audit log stores it (JSON).
    public func encoded() throws -> [UInt8] {
        // Sorted keys: the same event is the same bytes, whatever the process's hash seed.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return Array(try encoder.encode(self))
    }
}
