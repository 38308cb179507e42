import BerthModel
import Foundation

/// A person or a robot that can sign in.
public struct UserAccount: Sendable, Codable, Equatable {
    /// The login name (`robot$<name>` for robots).
    public var name: String
    /// bcrypt hash of the password (or the robot's secret).
    public var passwordHash: String
    /// A system administrator: every action everywhere, GC, users.
    public var isAdmin: Bool
    /// May create projects by pushing into one that does not exist.
    public var canCreateProjects: Bool
    /// A robot account (for CI), with a random secret and an expiry.
    public var isRobot: Bool
    /// After this the account cannot sign in (robots).
    public var expiresAt: Date?
    /// When the account was made.
    public var createdAt: Date
}

/// A project: the first segment of repository names (`library` for single-segment names).
public struct Project: Sendable, Codable, Equatable {
    /// The project's name.
    public var name: String
    /// Anyone, even anonymous, may pull from a public project.
    public var isPublic: Bool
    /// When it was made.
    public var createdAt: Date

    /// The project a repository belongs to.
    public static func name(of repository: RepositoryName) -> String {
        let components = repository.components
        return components.count > 1 ? String(components[0]) : library
    }

    /// The project of single-segment repository names.
    public static let library = "library"
}

/// What a member may do in a project.
public enum ProjectRole: String, Sendable, Codable, CaseIterable, Comparable {
    /// Pull.
    case guest
    /// Pull and push.
    case developer
    /// Pull, push, delete, manage accessories and rules.
    case maintainer
    /// Everything in the project, members included.
    case admin

    /// The repository actions the role allows.
    public var actions: Set<RepositoryAction> {
        switch self {
        case .guest: [.pull]
        case .developer: [.pull, .push]
        case .maintainer, .admin: [.pull, .push, .delete]
        }
    }

    public static func < (lhs: ProjectRole, rhs: ProjectRole) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}

/// An action on a repository, as the token spec's scopes name them.
public enum RepositoryAction: String, Sendable, Codable, CaseIterable {
    case pull, push, delete
}

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
}
