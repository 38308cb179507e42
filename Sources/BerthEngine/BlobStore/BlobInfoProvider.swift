import BerthModel

/// Answers what is stored, without reading content.
public protocol BlobInfoProvider: Sendable {
    /// The blob's info, or nil when the store does not hold it.
    func info(_ digest: Digest) throws -> BlobInfo?
}
