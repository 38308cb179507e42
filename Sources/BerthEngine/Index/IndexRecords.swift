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
}

/// What the index knows of one resumable upload session.
public struct UploadRecord: Sendable, Hashable {
    /// The session's id, random, as it appears in upload URLs.
    public let id: UploadID
    /// The repository the session was opened for; it only finishes there.
    public let repository: RepositoryName
    /// Bytes durably received so far; the next chunk must start here.
    public let offset: Int64
    /// When the session was opened.
    public let createdAt: Date
    /// When a chunk last arrived; sessions idle longer than the expiry are removed.
    public let updatedAt: Date
    /// The account that opened the session (nil in anonymous mode): only it may continue it.
    public var owner: String? = nil
}

/// A blob as linked into a repository.
public struct BlobLink: Sendable, Hashable {
    /// The blob's digest.
    public let digest: Digest
    /// The blob's length.
    public let size: Int64
    /// When it was linked (pushed or mounted) into the repository.
    public let linkedAt: Date
}

/// A tag with the manifest it names and when it was last pushed.
public struct TagRecord: Sendable, Hashable {
    /// The tag.
    public let tag: Tag
    /// The manifest it names.
    public let digest: Digest
    /// When it was last pushed (moved).
    public let taggedAt: Date
}
