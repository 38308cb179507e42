import BerthEngine
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird

/// Accounts, robots, projects and members over the admin API (system administrators only).
extension AdminModels {
    /// An account as listed (never its hash).
    public struct Account: Codable, Sendable, Equatable {
        /// The name.
        public var name: String
        /// A system administrator.
        public var admin: Bool
        /// May create projects by pushing into them.
        public var canCreateProjects: Bool
        /// A robot account.
        public var robot: Bool
        /// When it stops working.
        public var expiresAt: Date?
        /// When it was created.
        public var createdAt: Date

        /// A value from its parts.
        public init(_ account: UserAccount) {
            name = account.name
            admin = account.isAdmin
            canCreateProjects = account.canCreateProjects
            robot = account.isRobot
            expiresAt = account.expiresAt
            createdAt = account.createdAt
        }
    }

    /// A new account.
    public struct NewAccount: Codable, Sendable {
        /// The name.
        public var name: String
        /// The password (8 to 72 bytes).
        public var password: String
        /// A system administrator.
        public var admin: Bool?
        /// May create projects by pushing into them.
        public var canCreateProjects: Bool?
        /// A value from its parts.
        public init(name: String, password: String, admin: Bool? = nil, canCreateProjects: Bool? = nil) {
            self.name = name
            self.password = password
            self.admin = admin
            self.canCreateProjects = canCreateProjects
        }
    }

    /// A new robot and, once, its secret.
    public struct Robot: Codable, Sendable {
        /// The name.
        public var name: String
        /// The robot's secret, returned once when it is made.
        public var secret: String?
        /// Days until the robot expires (default 30).
        public var expiresInDays: Int?
        /// When it stops working.
        public var expiresAt: Date?
        /// A value from its parts.
        public init(name: String, secret: String? = nil, expiresInDays: Int? = nil, expiresAt: Date? = nil) {
            self.name = name
            self.secret = secret
            self.expiresInDays = expiresInDays
            self.expiresAt = expiresAt
        }
    }

    /// A project with its members.
    public struct ProjectInfo: Codable, Sendable, Equatable {
        /// The name.
        public var name: String
        /// Anyone may pull.
        public var `public`: Bool
        /// Account name → role.
        public var members: [String: String]
        /// A value from its parts.
        public init(name: String, public isPublic: Bool, members: [String: String]) {
            self.name = name
            self.public = isPublic
            self.members = members
        }
    }

    /// A request body with one field.
    public struct Value<T: Codable & Sendable>: Codable, Sendable {
        /// The value.
        public var value: T
        /// A value from its parts.
        public init(_ value: T) { self.value = value }
    }
}

extension AdminRoutes {
    /// `users…`, `robots`, `projects…`; nil when the path is none of them.
    func accessRequest(_ request: Request, _ parts: [String]) async throws -> Response? {
        guard let first = parts.first, ["users", "robots", "projects"].contains(first) else { return nil }
        let actor = try await authorizeAdministrator(request)
        switch (request.method, first, parts.count) {
        case (.get, "users", 1):
            return json(try registry.access.accounts().map(AdminModels.Account.init))
        case (.post, "users", 1):
            let new = try await decodeBody(AdminModels.NewAccount.self, from: request)
            let account = try await registry.access.addAccount(name: new.name, password: new.password, isAdmin: new.admin ?? false,
                                                        canCreateProjects: new.canCreateProjects ?? false, actor: actor)
            return json(AdminModels.Account(account))
        case (.put, "users", 3) where parts[2] == "password":
            let password = try await decodeBody(AdminModels.Value<String>.self, from: request).value
            try await registry.access.setPassword(parts[1], to: password, actor: actor)
            return json(AdminModels.Removed(removed: []))
        case (.delete, "users", 2):
            try await registry.access.removeAccount(parts[1], actor: actor)
            return json(AdminModels.Removed(removed: [parts[1]]))
        case (.post, "robots", 1):
            let asked = try await decodeBody(AdminModels.Robot.self, from: request)
            let expires = Date().addingTimeInterval(Double(asked.expiresInDays ?? 30) * 86_400)
            let made = try await registry.access.addRobot(name: asked.name, expiresAt: expires, actor: actor)
            return json(AdminModels.Robot(name: made.account.name, secret: made.secret, expiresAt: made.account.expiresAt))
        case (.get, "projects", 1):
            return json(try registry.access.projects().map { project in
                AdminModels.ProjectInfo(name: project.name, public: project.isPublic,
                                        members: Dictionary(uniqueKeysWithValues: try registry.access.members(of: project.name).map { ($0.user, $0.role.rawValue) }))
            })
        case (.put, "projects", 2):
            let isPublic = try await decodeBody(AdminModels.Value<Bool>.self, from: request).value
            let project = try await registry.access.saveProject(parts[1], isPublic: isPublic, actor: actor)
            return json(AdminModels.ProjectInfo(name: project.name, public: project.isPublic, members: [:]))
        case (.delete, "projects", 2):
            try await registry.access.removeProject(parts[1], actor: actor)
            return json(AdminModels.Removed(removed: [parts[1]]))
        case (.put, "projects", 4) where parts[2] == "members":
            let text = try await decodeBody(AdminModels.Value<String>.self, from: request).value
            guard let role = ProjectRole(rawValue: text) else { throw OCIError("INVALID_POLICY", .badRequest, "role must be guest, developer, maintainer or admin") }
            try await registry.access.setMember(parts[3], of: parts[1], role: role, actor: actor)
            return json(AdminModels.Removed(removed: []))
        case (.delete, "projects", 4) where parts[2] == "members":
            try await registry.access.setMember(parts[3], of: parts[1], role: nil, actor: actor)
            return json(AdminModels.Removed(removed: [parts[3]]))
        default:
            throw OCIError.notFound
        }
    }
}
