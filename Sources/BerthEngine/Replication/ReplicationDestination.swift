import BerthModel

/// What replication writes to the side content goes to: an endpoint in push mode, this
/// registry in pull mode. Every write is the destination's own (its digests checked, its
/// policies applied); replication only orders them.
public protocol ReplicationDestination: Sendable {
    /// Whether the destination serves the referrers API (a registry without it gets the
    /// referrers tag schema maintained for it).
    func servesReferrersAPI(in repository: RepositoryName) async throws -> Bool
    /// The digest a tag (or digest) names at the destination, or nil when it names none.
    func manifestDigest(_ reference: Reference, in repository: RepositoryName) async throws -> Digest?
    /// A manifest by tag or digest at the destination, or nil (the referrers tag schema's index).
    func manifest(_ reference: Reference, in repository: RepositoryName) async throws -> ReplicatedManifest?
    /// Whether the destination's repository already holds the blob.
    func hasBlob(_ digest: Digest, in repository: RepositoryName) async throws -> Bool
    /// Stores a blob of `size` bytes; `bytes(offset)` gives its bytes from an offset (called
    /// again from where the destination stands when a transfer is cut and resumed).
    func putBlob(_ digest: Digest, size: Int64, in repository: RepositoryName,
                 bytes: @escaping @Sendable (Int64) async throws -> ReplicatedBytes) async throws
    /// Stores a manifest under a tag or by its digest.
    func putManifest(_ manifest: ReplicatedManifest, as reference: Reference, in repository: RepositoryName) async throws
    /// Deletes a manifest by digest (a destination that cascades takes its accessories with
    /// it); false when the destination did not hold it.
    func deleteManifest(_ digest: Digest, in repository: RepositoryName) async throws -> Bool
    /// Deletes a tag, its manifest kept; false when the destination did not hold the tag.
    func deleteTag(_ tag: Tag, in repository: RepositoryName) async throws -> Bool
}

/// Both sides of an endpoint: an endpoint is read in pull mode and written in push mode.
public typealias ReplicationPeer = ReplicationSource & ReplicationDestination

/// How the engine reaches an endpoint: given its document and secret, a peer speaking the OCI
/// distribution API to it. `BerthRemote` provides the one over HTTP.
public protocol ReplicationTransport: Sendable {
    /// A peer for `endpoint`, signing in with `credential` when the endpoint asks.
    func peer(for endpoint: ReplicationEndpoint, credential: ReplicationCredential?) async throws -> any ReplicationPeer
}
