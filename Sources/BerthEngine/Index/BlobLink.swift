import BerthModel
import Foundation

/// A blob as linked into a repository.
public struct BlobLink: Sendable, Hashable {
    /// The blob's digest.
    public let digest: Digest
    /// The blob's length.
    public let size: Int64
    /// When it was linked (pushed or mounted) into the repository.
    public let linkedAt: Date

    /// A link of a blob of `size` bytes, made (or last touched) at `linkedAt`.
    public init(digest: Digest, size: Int64, linkedAt: Date) {
        self.digest = digest
        self.size = size
        self.linkedAt = linkedAt
    }
}
