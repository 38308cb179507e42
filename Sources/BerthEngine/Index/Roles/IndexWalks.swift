import BerthModel

/// Whole-index walks for garbage collection's mark and for fsck, each over one snapshot.
public protocol IndexWalks: Sendable {
    /// Visits every manifest record of every repository.
    func forEachManifest(_ body: (ManifestRecord) throws -> Void) throws
    /// Visits every blob link of every repository.
    func forEachBlobLink(_ body: (RepositoryName, BlobLink) throws -> Void) throws
    /// Visits every tag of every repository.
    func forEachTag(_ body: (RepositoryName, Tag, Digest) throws -> Void) throws
    /// Visits once every manifest that a tag `isIgnored` does not reject names; costs one
    /// seek per tagged manifest, however many tags it has.
    func forEachTaggedManifest(ignoringTags isIgnored: (Tag) -> Bool, _ body: (RepositoryName, Digest) throws -> Void) throws
    /// Visits every accessory link of every repository.
    func forEachAccessoryLink(_ body: (RepositoryName, AccessoryLink) throws -> Void) throws
    /// Visits every referrer edge: repository, subject, referrer.
    func forEachReferrerEdge(_ body: (RepositoryName, Digest, Digest) throws -> Void) throws
}
