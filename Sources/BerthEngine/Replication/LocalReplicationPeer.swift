import BerthModel
import Foundation
import NIOCore

/// This registry as one side of a replication: the source of a push rule, the destination of a
/// pull rule. Reads copy out of the index (no transaction held across I/O); writes go through
/// the engine's normal ingest and publication (digests verified as the bytes arrive, the
/// registry's own policies applied), so replicated content is stored exactly as pushed content.
public struct LocalReplicationPeer<Store: BlobStore>: ReplicationPeer {
    /// The registry.
    public let registry: Registry<Store>
    /// Who the pushes are audited as (`replication:<rule>`).
    public let actor: String
    /// The size of the chunks blobs are read in (256 KiB by default: small enough that the few
    /// in flight stay small, large enough that a 1 GiB blob is 4 096 reads).
    public let chunkSize: Int

    /// This registry, its writes audited as `actor`.
    public init(registry: Registry<Store>, actor: String, chunkSize: Int = 256 << 10) {
        self.registry = registry
        self.actor = actor
        self.chunkSize = chunkSize
    }

    // MARK: Source

    public func repositories() async throws -> [RepositoryName] {
        try registry.catalog().items
    }

    public func taggedManifests(in repository: RepositoryName) async throws -> [(tag: Tag, digest: Digest)] {
        try registry.index.tagRecords(in: repository).map { ($0.tag, $0.digest) }
    }

    public func manifest(_ digest: Digest, in repository: RepositoryName) async throws -> ReplicatedManifest? {
        do {
            let (record, bytes) = try registry.manifest(.digest(digest), in: repository)
            return ReplicatedManifest(digest: digest, mediaType: record.mediaType.rawValue, bytes: bytes)
        } catch .manifestUnknown {
            return nil
        }
    }

    public func accessories(of subject: Digest, in repository: RepositoryName) async throws -> [ReplicatedAccessory] {
        let index = registry.index
        return try index.accessoryLinks(of: subject, in: repository)
            .sorted { $0.linkedAt < $1.linkedAt }
            .filter { try index.manifest($0.accessory, in: repository) != nil }
            .map { ReplicatedAccessory(digest: $0.accessory, tags: try index.tags(of: $0.accessory, in: repository).sorted { $0.value < $1.value }) }
    }

    public func blob(_ digest: Digest, size: Int64, from offset: Int64, in repository: RepositoryName) async throws -> ReplicatedBytes {
        let reader = try await registry.openBlob(digest, in: repository)
        guard reader.size == size else { throw ReplicationFailure.missing("the source's blob \(digest) has \(reader.size) bytes, its descriptor \(size)") }
        let position = BlobPosition(offset)
        let registry = registry
        let chunkSize = chunkSize
        // One chunk read ahead: the disk read of the next chunk overlaps the sending of this
        // one. Chunks are read into the buffers of chunks sent three steps earlier (the
        // network write has let go of them by then, or the read allocates): a blob of any size
        // streams through the same few buffers.
        @Sendable func read(at offset: Int64, into spare: ByteBufferHandoff) -> Task<ByteBuffer, any Error> {
            Task { try await registry.readBuffer(reader, at: offset, count: chunkSize, reusing: spare) }
        }
        return ReplicatedBytes(unfolding: {
            let at = position.value
            guard at < reader.size else { return nil }
            let chunk = try await (position.ahead ?? read(at: at, into: position.spare())).value
            position.ahead = nil
            guard chunk.readableBytes > 0 else { return nil }
            position.value = at + Int64(chunk.readableBytes)
            position.sent.append(chunk)
            if position.value < reader.size { position.ahead = read(at: position.value, into: position.spare()) }
            return chunk
        })
    }

    // MARK: Destination

    public func servesReferrersAPI(in repository: RepositoryName) async throws -> Bool { true }

    public func manifestDigest(_ reference: Reference, in repository: RepositoryName) async throws -> Digest? {
        do {
            return try registry.manifestRecord(reference, in: repository).digest
        } catch .manifestUnknown {
            return nil
        }
    }

    public func manifest(_ reference: Reference, in repository: RepositoryName) async throws -> ReplicatedManifest? {
        do {
            let (record, bytes) = try registry.manifest(reference, in: repository)
            return ReplicatedManifest(digest: record.digest, mediaType: record.mediaType.rawValue, bytes: bytes)
        } catch .manifestUnknown {
            return nil
        }
    }

    public func hasBlob(_ digest: Digest, in repository: RepositoryName) async throws -> Bool {
        try registry.index.blobLink(digest, in: repository) != nil
    }

    public func putBlob(_ digest: Digest, size: Int64, in repository: RepositoryName,
                        bytes: @escaping @Sendable (Int64) async throws -> ReplicatedBytes) async throws {
        _ = try await registry.pushBlob(to: repository, digest: digest, size: size, body: try await bytes(0))
    }

    public func putManifest(_ manifest: ReplicatedManifest, as reference: Reference, in repository: RepositoryName) async throws {
        _ = try await registry.putManifest(manifest.bytes, contentType: manifest.mediaType, in: repository,
                                           reference: reference, actor: actor)
    }
}

extension LocalReplicationPeer {
    public func deleteTag(_ tag: Tag, in repository: RepositoryName) async throws -> Bool {
        do {
            try await registry.deleteTag(tag, in: repository)
            return true
        } catch .manifestUnknown {
            return false
        } catch .repositoryUnknown {
            return false
        }
    }

    public func deleteManifest(_ digest: Digest, in repository: RepositoryName) async throws -> Bool {
        do {
            _ = try await registry.deleteManifest(digest, in: repository)
            return true
        } catch .manifestUnknown {
            return false
        } catch .repositoryUnknown {
            return false
        }
    }
}

/// The read position of one blob stream and the read ahead of it (one reader at a time: the
/// stream is pulled serially).
private final class BlobPosition: @unchecked Sendable {
    var value: Int64
    var ahead: Task<ByteBuffer, any Error>?
    /// The chunks handed out lately, newest last.
    var sent: [ByteBuffer] = []

    /// The buffer of the chunk sent three steps ago, to read into (nil until there is one).
    func spare() -> ByteBufferHandoff {
        ByteBufferHandoff(sent.count >= 3 ? sent.removeFirst() : nil)
    }
    init(_ value: Int64) { self.value = value }
}
