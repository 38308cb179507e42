/// The index's size, for the engine's figures.
public struct IndexFigures: Sendable, Equatable {
    /// Manifest records (one per manifest per repository).
    public var manifests: Int
    /// Tags.
    public var tags: Int
    /// Bytes of storage the index uses (nil where the implementation cannot tell).
    public var storageUsed: Int?
    /// The most bytes the index can hold (nil: no limit of its own).
    public var storageCapacity: Int?

    /// Figures of `manifests` records and `tags` tags in `storageUsed` of `storageCapacity` bytes.
    public init(manifests: Int, tags: Int, storageUsed: Int? = nil, storageCapacity: Int? = nil) {
        self.manifests = manifests
        self.tags = tags
        self.storageUsed = storageUsed
        self.storageCapacity = storageCapacity
    }
}
