import BerthModel
import Foundation

/// An action on a repository, as the token spec's scopes name them.
public enum RepositoryAction: String, Sendable, Codable, CaseIterable {
    case pull, push, delete
}
