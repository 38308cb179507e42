import BerthModel
import Foundation

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
