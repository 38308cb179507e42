import BerthModel
import Foundation

/// A tag with the manifest it names and when it was last pushed.
public struct TagRecord: Sendable, Hashable {
    /// The tag.
    public let tag: Tag
    /// The manifest it names.
    public let digest: Digest
    /// When it was last pushed (moved).
    public let taggedAt: Date

    /// A tag naming `digest` since `taggedAt`.
    public init(tag: Tag, digest: Digest, taggedAt: Date) {
        self.tag = tag
        self.digest = digest
        self.taggedAt = taggedAt
    }
}
