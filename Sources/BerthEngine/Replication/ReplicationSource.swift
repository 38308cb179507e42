import BerthModel

/// What replication reads from the side content comes from: this registry in push mode
/// (`LocalReplicationPeer`), an endpoint in pull mode (`BerthRemote`'s client). Errors are
/// thrown as they come; the task that met one records it.
public protocol ReplicationSource: Sendable {
    /// Every repository the source lists.
    func repositories() async throws -> [RepositoryName]
    /// Every tag of `repository` with the digest it names.
    func taggedManifests(in repository: RepositoryName) async throws -> [(tag: Tag, digest: Digest)]
    /// A manifest by digest, or nil when the source does not hold it.
    func manifest(_ digest: Digest, in repository: RepositoryName) async throws -> ReplicatedManifest?
    /// The accessories directly below `subject` (one level): its referrers and its cosign
    /// tag-scheme manifests, each with the tags that name it.
    func accessories(of subject: Digest, in repository: RepositoryName) async throws -> [ReplicatedAccessory]
    /// A blob's bytes from `offset` to its end.
    func blob(_ digest: Digest, size: Int64, from offset: Int64, in repository: RepositoryName) async throws -> ReplicatedBytes
}
