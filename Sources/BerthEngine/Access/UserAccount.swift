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
