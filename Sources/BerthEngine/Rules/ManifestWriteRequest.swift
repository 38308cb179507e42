import BerthModel
import Foundation

/// A manifest ready to be stored: its parsed form, its exact bytes and where it goes.
public struct ManifestWriteRequest: Sendable {
    /// The repository receiving the manifest.
    public let repository: RepositoryName
    /// The digest of `bytes`.
    public let digest: Digest
    /// The bytes exactly as pushed.
    public let bytes: [UInt8]
    /// The parsed manifest.
    public let manifest: Manifest
    /// The tags to move to this manifest (the tag it was pushed by, or the `?tag=` parameters of
    /// a push by digest), all in the manifest's own transaction: all of them move, or none.
    public let tags: [Tag]
    /// Why the tag may not be moved, when an immutability rule protects it; checked inside the
    /// index transaction, so a tag cannot be moved between a check and the write.
    public let tagProtection: (@Sendable (Tag) -> String?)?
    /// The push time to record.
    public let now: Date
    /// The audit event of the push, appended in the push's own transaction (nil: none).
    public let audit: AuditEvent?
    /// The outbox the push is recorded in for event-based replication (nil: none).
    public let outbox: ReplicationOutbox?

    /// Bundles a manifest for `MetadataIndex.putManifest` (the publication rule).
    public init(repository: RepositoryName, digest: Digest, bytes: [UInt8], manifest: Manifest, tags: [Tag], now: Date,
                tagProtection: (@Sendable (Tag) -> String?)? = nil, audit: AuditEvent? = nil,
                outbox: ReplicationOutbox? = nil) {
        self.audit = audit
        self.outbox = outbox
        self.tagProtection = tagProtection
        self.repository = repository
        self.digest = digest
        self.bytes = bytes
        self.manifest = manifest
        self.tags = tags
        self.now = now
    }
}
