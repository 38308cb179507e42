/// Who made a change, as the audit log records it.
public struct AuditActor: Sendable, Hashable, CustomStringConvertible {
    /// The name written into the audit event.
    public let name: String

    /// An actor by name.
    public init(name: String) { self.name = name }

    /// The account (or robot) behind a request.
    public static func account(_ principal: Principal) -> AuditActor { AuditActor(name: principal.displayName) }
    /// The caller of a request: its principal, or `anonymous` in anonymous mode.
    public static func caller(_ principal: Principal?) -> AuditActor { principal.map(account) ?? .anonymous }
    /// A request without authentication (anonymous mode).
    public static let anonymous = AuditActor(name: "anonymous")
    /// A command run on the data root itself (`berth … --root`), by whoever may open it.
    public static let local = AuditActor(name: "local")
    /// The server's own schedule (scheduled garbage collection).
    public static let scheduler = AuditActor(name: "scheduler")
    /// Event-based replication acting on the outbox.
    public static let replication = AuditActor(name: "replication")

    public var description: String { name }
}
