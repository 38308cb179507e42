import BerthModel
import Foundation
import Synchronization
@testable import BerthEngine

/// A signed multi-arch image as people push them: an index of two platform manifests, a
/// cosign tag-scheme signature of the index, an OCI 1.1 referrer signature (Notation), an SBOM
/// and a signature of that SBOM.
struct SignedIndexFixture {
    let index: Digest
    let children: [Digest]
    let tagSchemeSignature: Digest
    let referrerSignature: Digest
    let sbom: Digest
    let sbomSignature: Digest

    /// Every manifest of the tree.
    var all: Set<Digest> { Set([index, tagSchemeSignature, referrerSignature, sbom, sbomSignature] + children) }

    static let notationSignature = "application/vnd.cncf.notary.signature"
    static let simpleSigning = "application/vnd.dev.cosign.simplesigning.v1+json"

    /// Pushes the tree into `repository` of `registry`, the index tagged `tag`.
    static func push(_ registry: FileRegistry, _ repository: RepositoryName, tag: String = "v1", seed: UInt64 = 1) async throws -> SignedIndexFixture {
        let amd = try await makeImage(registry, repository, seed: seed)
        let arm = try await makeImage(registry, repository, seed: seed + 1)
        for child in [amd, arm] {
            _ = try await registry.putManifest(child.bytes, contentType: ociManifest, in: repository, reference: .digest(child.digest))
        }
        let index = Array(#"{"schemaVersion":2,"mediaType":"\#(ociIndex)","manifests":[\#(descriptorJSON(ociManifest, amd.digest, amd.bytes.count, extra: #","platform":{"architecture":"amd64","os":"linux"}"#)),\#(descriptorJSON(ociManifest, arm.digest, arm.bytes.count, extra: #","platform":{"architecture":"arm64","os":"linux"}"#))]}"#.utf8)
        let indexDigest = sha256(index)
        _ = try await registry.putManifest(index, contentType: ociIndex, in: repository, reference: .tag(BerthEngineTests.tag(tag)))
        let cosign = try await makeImage(registry, repository, seed: seed + 10, layerMediaType: simpleSigning)
        _ = try await registry.putManifest(cosign.bytes, contentType: ociManifest, in: repository,
                                           reference: .tag(BerthEngineTests.tag("sha256-\(indexDigest.encoded).sig")))
        let notation = try await makeImage(registry, repository, seed: seed + 20, artifactType: notationSignature,
                                           subject: indexDigest, subjectSize: index.count)
        _ = try await registry.putManifest(notation.bytes, contentType: ociManifest, in: repository, reference: .digest(notation.digest))
        let sbom = try await makeImage(registry, repository, seed: seed + 30, artifactType: "application/spdx+json",
                                       subject: indexDigest, subjectSize: index.count)
        _ = try await registry.putManifest(sbom.bytes, contentType: ociManifest, in: repository, reference: .digest(sbom.digest))
        let sbomSignature = try await makeImage(registry, repository, seed: seed + 40, artifactType: notationSignature,
                                                subject: sbom.digest, subjectSize: sbom.bytes.count)
        _ = try await registry.putManifest(sbomSignature.bytes, contentType: ociManifest, in: repository, reference: .digest(sbomSignature.digest))
        return SignedIndexFixture(index: indexDigest, children: [amd.digest, arm.digest], tagSchemeSignature: cosign.digest,
                                  referrerSignature: notation.digest, sbom: sbom.digest, sbomSignature: sbomSignature.digest)
    }
}

/// Every endpoint reached in process: the endpoint's URL names one of `peers` (`http://<key>`).
/// The destination registry is the engine itself, as another Berth is.
struct InProcessTransport: ReplicationTransport {
    let peers: [String: any ReplicationPeer]

    func peer(for endpoint: ReplicationEndpoint, credential: ReplicationCredential?) async throws -> any ReplicationPeer {
        guard let peer = peers[endpoint.baseURL] else { throw ReplicationFailure.unreachable("no peer at \(endpoint.baseURL)") }
        return peer
    }
}

/// A peer that forwards everything to `wrapped`, with a hook before each write and one before
/// each existence check, for the destinations the tests script.
class ForwardingPeer: ReplicationPeer, @unchecked Sendable {
    let wrapped: any ReplicationPeer

    init(_ wrapped: any ReplicationPeer) { self.wrapped = wrapped }

    /// Called before every blob, manifest and delete sent.
    func willWrite() async throws {}
    /// Called before every manifest existence check.
    func willLookUp() async throws {}

    func repositories() async throws -> [RepositoryName] { try await wrapped.repositories() }
    func taggedManifests(in repository: RepositoryName) async throws -> [(tag: BerthModel.Tag, digest: Digest)] { try await wrapped.taggedManifests(in: repository) }
    func manifest(_ digest: Digest, in repository: RepositoryName) async throws -> ReplicatedManifest? { try await wrapped.manifest(digest, in: repository) }
    func accessories(of subject: Digest, in repository: RepositoryName) async throws -> [ReplicatedAccessory] { try await wrapped.accessories(of: subject, in: repository) }
    func blob(_ digest: Digest, size: Int64, from offset: Int64, in repository: RepositoryName) async throws -> ReplicatedBytes {
        try await wrapped.blob(digest, size: size, from: offset, in: repository)
    }
    func servesReferrersAPI(in repository: RepositoryName) async throws -> Bool { true }
    func manifestDigest(_ reference: Reference, in repository: RepositoryName) async throws -> Digest? {
        try await willLookUp()
        return try await wrapped.manifestDigest(reference, in: repository)
    }
    func manifest(_ reference: Reference, in repository: RepositoryName) async throws -> ReplicatedManifest? { try await wrapped.manifest(reference, in: repository) }
    func hasBlob(_ digest: Digest, in repository: RepositoryName) async throws -> Bool { try await wrapped.hasBlob(digest, in: repository) }
    func putBlob(_ digest: Digest, size: Int64, in repository: RepositoryName, bytes: @escaping @Sendable (Int64) async throws -> ReplicatedBytes) async throws {
        try await willWrite()
        try await wrapped.putBlob(digest, size: size, in: repository, bytes: bytes)
    }
    func putManifest(_ manifest: ReplicatedManifest, as reference: Reference, in repository: RepositoryName) async throws {
        try await willWrite()
        try await wrapped.putManifest(manifest, as: reference, in: repository)
    }
    func deleteManifest(_ digest: Digest, in repository: RepositoryName) async throws -> Bool {
        try await willWrite()
        return try await wrapped.deleteManifest(digest, in: repository)
    }
    func deleteTag(_ tag: BerthModel.Tag, in repository: RepositoryName) async throws -> Bool {
        try await willWrite()
        return try await wrapped.deleteTag(tag, in: repository)
    }
}

/// A destination that fails every write, as a registry answering 500 does, and counts the attempts.
final class FailingDestination: ForwardingPeer, @unchecked Sendable {
    private let lock = NSLock()
    private var failing: Bool
    private(set) var writes = 0

    init(_ wrapped: any ReplicationPeer, failing: Bool = true) {
        self.failing = failing
        super.init(wrapped)
    }

    func heal() { lock.withLock { failing = false } }

    override func willWrite() async throws {
        try lock.withLock {
            writes += 1
            if failing { throw ReplicationFailure.destination("PUT: answered 500 Internal Server Error") }
        }
    }
}

/// A destination whose checks wait until `release()`, as a registry that accepts connections
/// and never answers does.
final class HangingDestination: ForwardingPeer, @unchecked Sendable {
    private let opened = Mutex(false)

    func release() { opened.withLock { $0 = true } }

    override func willLookUp() async throws {
        while !opened.withLock({ $0 }) {
            try Task.checkCancellation()
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// Two registries on fresh roots (source and destination) and replication on the source,
/// its endpoint `peer` reaching the destination in process.
func withReplicationPair<T>(destination wrap: (any ReplicationPeer) -> any ReplicationPeer = { $0 },
                            _ body: (Replicator<FileBlobStore>, FileRegistry, FileRegistry) async throws -> T) async throws -> T {
    try await withRegistry { source, _ in
        try await withRegistry { destination, _ in
            let peer = wrap(LocalReplicationPeer(registry: destination, actor: "replication"))
            let replicator = try await Replicator(registry: source, transport: InProcessTransport(peers: ["http://destination": peer]),
                                                  retryDelay: .milliseconds(10))
            try await replicator.setEndpoint(ReplicationEndpoint(name: "peer", url: "http://destination", insecure: true), password: nil, by: .local)
            return try await body(replicator, source, destination)
        }
    }
}

/// An accessory tree as comparable facts: digest, type and size of every node, with its depth.
func treeFacts(_ nodes: [AccessoryNode], depth: Int = 0) -> Set<String> {
    var facts = Set<String>()
    for node in nodes {
        facts.insert("\(depth) \(node.digest) \(node.type) \(node.size)")
        facts.formUnion(treeFacts(node.accessories, depth: depth + 1))
    }
    return facts
}

/// A source on a root that outlives its registry (closed and opened again, as a restart does),
/// replicating to a destination reached in process through the endpoint `peer`.
struct RestartableSource {
    let root = TemporaryRoot()
    let transport: InProcessTransport

    /// Opens the source's registry and its replication; the endpoint `peer` is set on the first opening.
    func open() async throws -> (FileRegistry, Replicator<FileBlobStore>) {
        let registry = try await root.open()
        let replicator = try await Replicator(registry: registry, transport: transport)
        if replicator.settings.endpoint("peer") == nil {
            try await replicator.setEndpoint(ReplicationEndpoint(name: "peer", url: "http://destination", insecure: true), password: nil, by: .local)
        }
        return (registry, replicator)
    }
}

/// A restartable source and its destination on fresh roots.
func withRestartableSource<T>(_ body: (RestartableSource, FileRegistry) async throws -> T) async throws -> T {
    try await withRegistry { destination, _ in
        let peer = LocalReplicationPeer(registry: destination, actor: "replication")
        return try await body(RestartableSource(transport: InProcessTransport(peers: ["http://destination": peer])), destination)
    }
}

