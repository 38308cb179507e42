import BerthModel
import Foundation

/// Who is making a request: a signed-in account, or nobody (anonymous).
public struct Principal: Sendable, Hashable {
    /// The account name; nil for anonymous.
    public let name: String?
    /// A system administrator.
    public let isAdmin: Bool
    /// May create projects.
    public let canCreateProjects: Bool

    /// Nobody.
    public static let anonymous = Principal(name: nil, isAdmin: false, canCreateProjects: false)

    /// A signed-in account.
    public init(_ account: UserAccount) {
        self.init(name: account.name, isAdmin: account.isAdmin, canCreateProjects: account.canCreateProjects || account.isAdmin)
    }

    /// A principal from its parts.
    public init(name: String?, isAdmin: Bool, canCreateProjects: Bool) {
        self.name = name
        self.isAdmin = isAdmin
        self.canCreateProjects = canCreateProjects
    }

    /// What the audit log calls this principal.
    public var displayName: String { name ?? "anonymous" }
}
