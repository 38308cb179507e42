import BerthModel
import Foundation

/// The transactional index of a registry: repositories, tags, manifests, referrer edges, blob
/// links and upload sessions. The seam behind which a second implementation (PostgreSQL, for
/// deployments of several nodes) can replace `LMDBIndex`.
///
/// Contract every implementation keeps:
/// - Each write method is one atomic transaction; when it returns, its effect is durable
///   (invariant 2 and 3), and when it throws, nothing it did is visible.
/// - Rule checks (referenced blobs linked, children present) happen inside that transaction, so
///   a concurrent delete cannot slip between check and write.
/// - Reads see a consistent snapshot and never block writers.
public protocol MetadataIndex: Sendable {
    // MARK: Manifests and tags

    /// Stores a parsed manifest and its bytes, records its subject edge and moves `tag` to it.
    func putManifest(_ write: ManifestWriteRequest) async throws -> ManifestRecord
    /// The digest a tag points at, or nil.
    func resolve(tag: Tag, in repository: RepositoryName) throws -> Digest?
    /// The manifest's record in this repository, or nil.
    func manifest(_ digest: Digest, in repository: RepositoryName) throws -> ManifestRecord?
    /// Every manifest of a repository, in digest order.
    func manifests(in repository: RepositoryName) throws -> [ManifestRecord]
    /// The exact bytes stored for a manifest digest (any repository), or nil.
    func manifestBytes(_ digest: Digest) throws -> [UInt8]?
    /// Removes a manifest from a repository with its tags, its own referrer edge and,
    /// recursively, its accessories, in one transaction. Returns every manifest removed
    /// (empty when it was not there).
    func deleteManifest(_ digest: Digest, in repository: RepositoryName, protection: (@Sendable (Tag) -> String?)?) async throws -> [Digest]
    /// Removes one tag; returns false if it did not exist.
    /// Also refused, inside the transaction, when `protection` names a reason.
    func deleteTag(_ tag: Tag, in repository: RepositoryName, protection: (@Sendable (Tag) -> String?)?) async throws -> Bool
    /// Retention's removal of `records` (tags a rule does not keep, as listed by `tagRecords`)
    /// in one transaction: a tag is removed only if it still names the same manifest with the
    /// same push time, and one `protection` names a reason for is kept; a manifest left
    /// without a tag goes with its accessories unless an index names it, it is an accessory
    /// of a present subject, or `protection` protects it. `dryRun`: the same outcome, nothing kept.
    func retireTags(_ records: [TagRecord], in repository: RepositoryName, dryRun: Bool,
                    protection: (@Sendable (Tag) -> String?)?) async throws -> TagRetirement
    /// Tags of a repository in case-insensitive lexical order, after `last`, at most `limit`.
    /// Returns nil when the repository does not exist.
    func tags(in repository: RepositoryName, after last: String?, limit: Int) throws -> Page<Tag>?
    /// Every tag of a repository with its manifest and push time.
    func tagRecords(in repository: RepositoryName) throws -> [TagRecord]
    /// Tags pointing at one manifest.
    func tags(of digest: Digest, in repository: RepositoryName) throws -> [Tag]
    /// Repository names in lexical order, after `last`, at most `limit`.
    func repositories(after last: String?, limit: Int) throws -> Page<RepositoryName>
    /// Descriptors of the manifests whose subject is `subject`, optionally only those of one artifact type.
    func referrers(of subject: Digest, in repository: RepositoryName, artifactType: MediaType?) throws -> [Descriptor]
    /// At most `limit` referrers after `cursor` (nil: from the first), in the index's order
    /// (artifact type, then digest); the cost is that of the page, not of all referrers.
    func referrers(of subject: Digest, in repository: RepositoryName, artifactType: MediaType?,
                   after cursor: ReferrerCursor?, limit: Int) throws -> Page<Descriptor>

    // MARK: Accessories

    /// The accessories linked to `subject` (one level; accessories of accessories hang below them).
    func accessoryLinks(of subject: Digest, in repository: RepositoryName) throws -> [AccessoryLink]
    /// The subjects an accessory is linked to.
    func subjects(ofAccessory accessory: Digest, in repository: RepositoryName) throws -> [Digest]
    /// The indexes that name `child` as one of their manifests.
    func parents(of child: Digest, in repository: RepositoryName) throws -> [Digest]
    /// Visits every accessory link of every repository.
    func forEachAccessoryLink(_ body: (RepositoryName, AccessoryLink) throws -> Void) throws

    // MARK: Blobs

    /// The link of a blob into a repository, or nil when it is not readable there.
    func blobLink(_ digest: Digest, in repository: RepositoryName) throws -> BlobLink?
    /// Makes a blob (whose file is already durable) readable through a repository.
    func linkBlob(_ digest: Digest, size: Int64, into repository: RepositoryName, now: Date) async throws
    /// Links a blob readable through `source` into `target`; returns false when `source` lacks it.
    func mountBlob(_ digest: Digest, from source: RepositoryName, into target: RepositoryName, now: Date) async throws -> Bool
    /// Removes a blob's link from a repository; returns false when it was not linked.
    func unlinkBlob(_ digest: Digest, from repository: RepositoryName) async throws -> Bool

    // MARK: Uploads

    /// Records a new, empty upload session.
    func createUpload(_ id: UploadID, repository: RepositoryName, owner: String?, now: Date) async throws -> UploadRecord
    /// The session, or nil.
    func upload(_ id: UploadID) throws -> UploadRecord?
    /// Moves a session's durable offset from `expected` to `offset`. Throws
    /// `RegistryError.uploadOffsetMismatch` if the session is no longer at `expected`.
    func advanceUpload(_ id: UploadID, from expected: Int64, to offset: Int64, now: Date) async throws -> UploadRecord
    /// Ends a session and links its blob, in one transaction.
    func finishUpload(_ id: UploadID, blob digest: Digest, size: Int64, now: Date) async throws
    /// Ends a session without a blob; returns false if it did not exist.
    func deleteUpload(_ id: UploadID) async throws -> Bool
    /// Every open session.
    func allUploads() throws -> [UploadRecord]

    // MARK: Whole-index walks (fsck, GC)

    /// Visits every manifest record of every repository.
    func forEachManifest(_ body: (ManifestRecord) throws -> Void) throws
    /// Visits every blob link of every repository.
    func forEachBlobLink(_ body: (RepositoryName, BlobLink) throws -> Void) throws
    /// Visits every tag of every repository.
    func forEachTag(_ body: (RepositoryName, Tag, Digest) throws -> Void) throws
    /// Visits once every manifest that a tag `isIgnored` does not reject names; costs one
    /// seek per tagged manifest, however many tags it has.
    func forEachTaggedManifest(ignoringTags isIgnored: (Tag) -> Bool, _ body: (RepositoryName, Digest) throws -> Void) throws
    /// Entries of the manifest → tag index that no tag backs (the tag gone, or moved).
    func staleTagIndexEntries() throws -> [(repository: RepositoryName, digest: Digest, tag: Tag)]
    /// Tags of present manifests that the manifest → tag index lacks (the other direction of
    /// `staleTagIndexEntries`: GC would take their manifests for untagged).
    func unindexedTags() throws -> [(repository: RepositoryName, digest: Digest, tag: Tag)]
    /// Visits every referrer edge: repository, subject, referrer.
    func forEachReferrerEdge(_ body: (RepositoryName, Digest, Digest) throws -> Void) throws
    /// Removes index entries that name missing targets: tags whose manifest is gone (and
    /// manifest → tag entries no tag backs; entries a tag lacks are written), links to
    /// missing blob files (per `blobExists`), referrer edges whose referrer is gone. Returns one
    /// line per change, starting with what was done (`removed …`, `wrote …`).
    func removeDangling(blobExists: @escaping @Sendable (Digest) -> Bool) async throws -> [String]
    /// Garbage collection's sweep of manifests: removes each listed manifest (alone, not its
    /// accessories: the collector lists those it found dead itself) unless, by now, it carries
    /// a tag other than a cosign tag-scheme tag or was pushed after `pushedBefore`, or an index
    /// or a subject that stays (by those rules, or because it was never listed) still holds it.
    /// Returns what it removed.
    func collectManifests(_ candidates: [(RepositoryName, Digest)], pushedBefore: Date) async throws -> [(RepositoryName, Digest)]
    /// Garbage collection's sweep of blob links: removes each listed link unless, by now, it was
    /// linked or touched after `linkedBefore`. Returns what it removed.
    func collectBlobLinks(_ candidates: [(RepositoryName, Digest)], linkedBefore: Date) async throws -> [(RepositoryName, Digest)]
    /// A cached outcome of verifying `signature` over `subject` with the key whose SHA-256 is `key`.
    func signatureCheck(_ signature: Digest, subject: Digest, key: [UInt8], in repository: RepositoryName) throws -> Bool?
    /// Caches such an outcome.
    func recordSignatureCheck(_ signature: Digest, subject: Digest, key: [UInt8], in repository: RepositoryName, verified: Bool) async throws
    /// An access-control record (user, project, membership) by kind and key, or nil.
    func accessRecord(_ kind: String, _ key: String) throws -> [UInt8]?
    /// Stores (or, with nil, removes) an access-control record; returns whether one was there before.
    @discardableResult
    func setAccessRecord(_ kind: String, _ key: String, _ value: [UInt8]?) async throws -> Bool
    /// Several such changes in one transaction (an account with its memberships): all or none.
    /// Returns, for each, whether the record existed before.
    func setAccessRecords(_ changes: [(kind: String, key: String, value: [UInt8]?)]) async throws -> [Bool]
    /// Every access-control record of a kind whose key starts with `prefix`, in key order.
    func accessRecords(_ kind: String, prefix: String) throws -> [(key: String, value: [UInt8])]
    /// Appends an audit event (kept in time order).
    func appendAudit(_ event: [UInt8], at time: Date) async throws
    /// The newest `limit` audit events, oldest first.
    func auditEvents(limit: Int) throws -> [[UInt8]]
    /// A stored settings document (rules and policies), or nil.
    func setting(_ name: String) throws -> [UInt8]?
    /// Stores a settings document.
    func setSetting(_ name: String, _ value: [UInt8]) async throws
    /// Stops background work; the index is unusable afterwards.
    func close()
}

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

    /// Bundles a manifest for `MetadataIndex.putManifest`.
    public init(repository: RepositoryName, digest: Digest, bytes: [UInt8], manifest: Manifest, tags: [Tag], now: Date,
                tagProtection: (@Sendable (Tag) -> String?)? = nil) {
        self.tagProtection = tagProtection
        self.repository = repository
        self.digest = digest
        self.bytes = bytes
        self.manifest = manifest
        self.tags = tags
        self.now = now
    }
}
