import BerthModel
import Foundation

/// What the store knows of one committed blob.
public struct BlobInfo: Sendable, Hashable {
    /// The blob's digest (its name).
    public let digest: Digest
    /// Its length in bytes.
    public let size: Int64
    /// When it was committed (file modification time).
    public let committedAt: Date

    /// Info of a committed blob.
    public init(digest: Digest, size: Int64, committedAt: Date) {
        self.digest = digest
        self.size = size
        self.committedAt = committedAt
    }
}
