import BerthModel

/// What removing the tags a retention rule does not keep did, in one repository.
public struct TagRetirement: Sendable, Equatable {
    /// The tags removed: those that still named the manifest, with the push time, the rule saw.
    public var tags: [Tag] = []
    /// Manifests removed because they lost their last tag (with their accessories).
    public var manifests: [Digest] = []
    /// Why a tag or a manifest that lost its last tag was kept: an immutability rule.
    public var protected: [String] = []

    /// An empty outcome.
    public init() {}
}
