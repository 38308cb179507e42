import BerthModel
import NIOCore

/// A manifest as replication moves it: its exact bytes, their media type and digest.
public struct ReplicatedManifest: Sendable, Equatable {
    /// The digest of `bytes`.
    public let digest: Digest
    /// The media type the manifest was served with (its `mediaType` field, or the header).
    public let mediaType: String
    /// The bytes exactly as stored.
    public let bytes: [UInt8]

    /// A manifest.
    public init(digest: Digest, mediaType: String, bytes: [UInt8]) {
        self.digest = digest
        self.mediaType = mediaType
        self.bytes = bytes
    }
}

/// An accessory as a source lists it below its subject: its digest, and the tags that name it
/// (cosign's `sha256-<hex>.sig` for the tag scheme; none for an OCI 1.1 referrer).
public struct ReplicatedAccessory: Sendable, Equatable {
    /// The accessory manifest's digest.
    public let digest: Digest
    /// Tags naming it at the source, which travel with it.
    public let tags: [Tag]

    /// An accessory.
    public init(digest: Digest, tags: [Tag]) {
        self.digest = digest
        self.tags = tags
    }
}

/// A blob's bytes as they stream from a source to a destination, pulled chunk by chunk (the
/// reader waits for the writer: a blob is never buffered whole in memory).
public typealias ReplicatedBytes = AsyncThrowingStream<ByteBuffer, any Error>
