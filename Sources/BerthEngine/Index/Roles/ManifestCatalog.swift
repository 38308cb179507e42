import BerthModel

/// The read side of manifests, tags and repositories that requests use: each call one
/// snapshot, answered by the implementation directly (the hot paths of pulls).
public protocol ManifestCatalog: Sendable {
    /// The digest a tag points at, or nil.
    func resolve(tag: Tag, in repository: RepositoryName) throws -> Digest?
    /// The manifest's record in this repository, or nil.
    func manifest(_ digest: Digest, in repository: RepositoryName) throws -> ManifestRecord?
    /// Every manifest of a repository, in digest order.
    func manifests(in repository: RepositoryName) throws -> [ManifestRecord]
    /// The exact bytes stored for a manifest digest (any repository), or nil.
    func manifestBytes(_ digest: Digest) throws -> [UInt8]?
    /// Tags of a repository in case-insensitive lexical order, after `last`, at most `limit`.
    /// Returns nil when the repository does not exist.
    func tags(in repository: RepositoryName, after last: String?, limit: Int) throws -> Page<Tag>?
    /// Every tag of a repository with its manifest and push time.
    func tagRecords(in repository: RepositoryName) throws -> [TagRecord]
    /// Tags pointing at one manifest.
    func tags(of digest: Digest, in repository: RepositoryName) throws -> [Tag]
    /// Repository names in lexical order, after `last`, at most `limit`.
    func repositories(after last: String?, limit: Int) throws -> Page<RepositoryName>
}
