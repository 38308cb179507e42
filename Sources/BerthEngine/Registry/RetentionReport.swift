import Foundation

/// What a retention run removed (or, dry, would remove).
public struct RetentionReport: Sendable, Codable, Equatable {
    /// Whether this was a dry run.
    public var dryRun = false
    /// Tags removed, as `repository:tag`.
    public var tags: [String] = []
    /// Manifests removed because they lost their last tag, with their accessories, as `repository@digest`.
    public var manifests: [String] = []
    /// Tags a rule would remove but an immutability rule protects.
    public var protected: [String] = []
}
