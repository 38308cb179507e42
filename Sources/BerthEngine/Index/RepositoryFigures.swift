import Foundation

/// What a listing of repositories shows of one: its manifests, its newest push, the bytes its
/// blob links name (each blob counted once per repository, shared or not).
public struct RepositoryFigures: Sendable, Hashable {
    /// Manifests stored in the repository (accessories and index children included).
    public let manifests: Int
    /// How many of them are accessories of another manifest (each counted once).
    public let accessories: Int
    /// The newest first push of any of its manifests; nil when it holds none.
    public let lastPush: Date?
    /// Sum of the sizes of the blobs linked into it.
    public let linkedBytes: Int64

    /// Figures from their parts.
    public init(manifests: Int, accessories: Int, lastPush: Date?, linkedBytes: Int64) {
        self.manifests = manifests
        self.accessories = accessories
        self.lastPush = lastPush
        self.linkedBytes = linkedBytes
    }
}
