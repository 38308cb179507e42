import BerthModel
import Foundation

/// Repository → blob links: a blob is served through a repository only when linked there.
extension LMDBIndex {
    public func blobLink(_ digest: Digest, in repository: RepositoryName) throws -> BlobLink? {
        try lmdbRead { txn in
            guard let repo = try repositoryID(repository, txn),
                  let value = try txn.get(db.blobLinks, Self.repoDigestKey(repo, digest)) else { return nil }
            return try Self.decodeLink(digest, value)
        }
    }

    public func isLinkedAnywhere(_ digest: Digest) throws -> Bool {
        try lmdbRead { txn in
            var linked = false
            try txn.scan(db.repositoryNames, from: [], prefix: []) { key, _ in
                var reader = BinaryReader(Array(key))
                linked = try txn.contains(db.blobLinks, Self.repoDigestKey(try reader.u32(), digest))
                return !linked
            }
            return linked
        }
    }

    static func decodeLink(_ digest: Digest, _ value: [UInt8]) throws -> BlobLink {
        var reader = BinaryReader(value)
        let size = try reader.i64()
        return BlobLink(digest: digest, size: size, linkedAt: Date(millisecondsSince1970: try reader.i64()))
    }
}
