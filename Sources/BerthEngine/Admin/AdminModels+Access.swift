import BerthModel
import Foundation

/// The documents of accounts, robots, projects and members in the admin API.
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
