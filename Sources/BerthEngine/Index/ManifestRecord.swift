import BerthModel
import Foundation

/// What the index knows of one manifest in one repository.
public struct ManifestRecord: Sendable, Hashable {
    /// The repository holding the manifest.
    public let repository: RepositoryName
    /// The digest of the manifest's exact bytes.
    public let digest: Digest
    /// The manifest's media type (one of the four accepted kinds).
    public let mediaType: MediaType
    /// Length of the manifest's bytes.
    public let size: Int64
    /// The artifact type as the referrers API reports it (declared, else the config's media type).
    public let artifactType: MediaType?
    /// The manifest this one refers to (`subject`), which may not be stored (yet).
    public let subject: Digest?
    /// When this repository first received the manifest.
    public let pushedAt: Date
    /// Blobs the manifest references (config and layers).
    public let blobs: [Digest]
    /// Child manifests an index references.
    public let children: [Digest]

    /// A record of a manifest as stored in `repository`.
    public init(repository: RepositoryName, digest: Digest, mediaType: MediaType, size: Int64, artifactType: MediaType?,
                subject: Digest?, pushedAt: Date, blobs: [Digest], children: [Digest]) {
        self.repository = repository
        self.digest = digest
        self.mediaType = mediaType
        self.size = size
        self.artifactType = artifactType
        self.subject = subject
        self.pushedAt = pushedAt
        self.blobs = blobs
        self.children = children
    }
}
