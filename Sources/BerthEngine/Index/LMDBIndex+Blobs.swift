import BerthModel
import Foundation

/// Repository → blob links: a blob is served through a repository only when linked there.
extension LMDBIndex {
    public func blobLink(_ digest: Digest, in repository: RepositoryName) throws -> BlobLink? {
        try read { txn in
            guard let repo = try repositoryID(repository, txn),
                  let value = try txn.get(db.blobLinks, Self.repoDigestKey(repo, digest)) else { return nil }
            return try Self.decodeLink(digest, value)
        }
    }

    public func linkBlob(_ digest: Digest, size: Int64, into repository: RepositoryName, now: Date) async throws {
        try await write { txn in try self.link(digest, size: size, into: repository, now: now, txn) }
    }

    func link(_ digest: Digest, size: Int64, into repository: RepositoryName, now: Date, _ txn: LMDBTransaction) throws {
        let repo = try ensureRepositoryID(repository, txn, now: now)
        let key = Self.repoDigestKey(repo, digest)
        // Linking again (a push or mount of a blob the repository already has) makes the link
        // young again: the client is about to push a manifest naming it, and garbage collection
        // spares links younger than its grace. Keeping the first time instead would let a
        // collection unlink, between this 201 and that manifest, a blob left unreferenced long ago.
        var value = BinaryWriter(capacity: 16)
        value.i64(size)
        value.i64(now.millisecondsSince1970)
        try txn.put(db.blobLinks, key, value.bytes)
    }

    public func mountBlob(_ digest: Digest, from source: RepositoryName, into target: RepositoryName, now: Date) async throws -> Bool {
        try await write { txn in
            guard let sourceID = try self.repositoryID(source, txn),
                  let value = try txn.get(self.db.blobLinks, Self.repoDigestKey(sourceID, digest)) else { return false }
            let link = try Self.decodeLink(digest, value)
            try self.link(digest, size: link.size, into: target, now: now, txn)
            return true
        }
    }

    public func unlinkBlob(_ digest: Digest, from repository: RepositoryName) async throws -> Bool {
        try await write { txn in
            guard let repo = try self.repositoryID(repository, txn) else { return false }
            return try txn.delete(self.db.blobLinks, Self.repoDigestKey(repo, digest))
        }
    }

    static func decodeLink(_ digest: Digest, _ value: [UInt8]) throws -> BlobLink {
        var reader = BinaryReader(value)
        let size = try reader.i64()
        return BlobLink(digest: digest, size: size, linkedAt: Date(millisecondsSince1970: try reader.i64()))
    }
}
