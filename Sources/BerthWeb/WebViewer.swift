import BerthEngine
import BerthModel

/// Who is looking at a page, and what the engine lets them do: the interface shows a control
/// only when the action behind it would be allowed, and checks again when it is used. Every
/// answer comes from `AccessControl` (the one owner of authorization).
struct WebViewer: Sendable {
    /// The signed-in account's principal; `.anonymous` when signed out; nil in the anonymous
    /// mode (authentication off), where everyone may do everything, as the API allows.
    let principal: Principal?
    /// The access control of the registry.
    let access: AccessControl

    /// Whether an account is signed in.
    var isSignedIn: Bool { principal?.name != nil }

    /// Whether the viewer administers the registry (always in the anonymous mode).
    var administers: Bool { principal?.isAdmin ?? true }

    /// Whether the viewer may do `action` on `repository`.
    func may(_ action: RepositoryAction, on repository: RepositoryName) throws(RegistryError) -> Bool {
        guard let principal else { return true }
        return try access.allowedActions(principal, on: repository).contains(action)
    }

    /// Whether the viewer may see project `name`.
    func maySee(project name: String) throws(RegistryError) -> Bool {
        guard let principal else { return true }
        return try access.maySee(project: name, principal)
    }

    /// What the audit log records as the actor.
    var actor: AuditActor { .caller(principal) }
}
