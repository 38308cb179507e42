import BerthModel

/// Which repository may read which blob: the check on every blob request.
public protocol BlobLinkLookup: Sendable {
    /// The link of a blob into a repository, or nil when it is not readable there.
    func blobLink(_ digest: Digest, in repository: RepositoryName) throws -> BlobLink?
    /// Whether any repository links the blob (fsck's test for an orphan blob file). May cost
    /// one lookup per repository: for checks, not for requests.
    func isLinkedAnywhere(_ digest: Digest) throws -> Bool
}
