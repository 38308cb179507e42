import BerthModel
import Foundation

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
