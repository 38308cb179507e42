import BerthModel
import Foundation

/// One accessory in a subject's accessory tree, with the accessories that hang below it.
public struct AccessoryNode: Sendable, Hashable {
    /// The accessory manifest's digest.
    public let digest: Digest
    /// What the accessory is.
    public let type: AccessoryType
    /// The accessory manifest's artifact type.
    public let artifactType: MediaType?
    /// The accessory manifest's media type.
    public let mediaType: MediaType
    /// The accessory manifest's size.
    public let size: Int64
    /// When the accessory was pushed.
    public let createdAt: Date
    /// Tags naming the accessory (cosign's `sha256-<hex>.sig` among them).
    public let tags: [Tag]
    /// Linked by its OCI `subject` field.
    public let linkedBySubjectField: Bool
    /// Linked by cosign's tag scheme.
    public let linkedByTagScheme: Bool
    /// Accessories of this accessory (a signature of an SBOM, …).
    public let accessories: [AccessoryNode]
}

/// A manifest of a repository as an artifact listing shows it.
public struct ArtifactSummary: Sendable, Hashable {
    /// The manifest's record.
    public let record: ManifestRecord
    /// Its tags.
    public let tags: [Tag]
    /// Whether it is itself an accessory of another artifact.
    public let isAccessory: Bool
    /// Whether it carries a signature accessory (or is a child of a signed index).
    public let isSigned: Bool
    /// Whether one of those signatures verifies against a trusted key; nil when no key is configured.
    public let isVerified: Bool?
    /// How many accessories hang directly below it.
    public let accessoryCount: Int
}
