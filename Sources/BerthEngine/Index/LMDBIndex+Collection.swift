import BerthModel
import Foundation

/// The write side of garbage collection: removals that re-check, inside their transaction,
/// that what the collector marked dead is still dead.
extension LMDBIndex {
    public func collectManifests(_ candidates: [(RepositoryName, Digest)], pushedBefore: Date) async throws -> [(RepositoryName, Digest)] {
        let cutoff = pushedBefore.millisecondsSince1970
        return try await write { txn in
            var removed: [(RepositoryName, Digest)] = []
            for (repository, digest) in candidates {
                guard let repo = try self.repositoryID(repository, txn),
                      let value = try txn.get(self.db.manifests, Self.repoDigestKey(repo, digest)) else { continue }
                let record = try self.decodeManifest(value, repository: repository, digest: digest, txn)
                guard record.pushedAt.millisecondsSince1970 < cutoff else { continue }
                if let pushed = try txn.get(self.db.manifestRepositories, Self.manifestRepositoryKey(digest, repo)), pushed.count == 8 {
                    var reader = BinaryReader(pushed)
                    guard try reader.i64() < cutoff else { continue }
                }
                let prefix = Self.repoDigestKey(repo, digest)
                var tagged = false
                try txn.scan(self.db.manifestTags, from: prefix, prefix: prefix) { key, _ in
                    let tag = try Tag(parsing: String(decoding: key[prefix.count...], as: UTF8.self))
                    tagged = AccessoryClassifier.tagSchemeSubject(tag) == nil
                    return !tagged
                }
                guard !tagged else { continue }
                // Named since the mark by an index pushed meanwhile, or linked as an accessory:
                // it is live now.
                var named = false
                try txn.scan(self.db.manifestParents, from: prefix, prefix: prefix) { _, _ in
                    named = true
                    return false
                }
                guard !named else { continue }
                if try self.deleteManifest(digest, repo: repo, repository: repository, txn) { removed.append((repository, digest)) }
            }
            return removed
        }
    }

    public func collectBlobLinks(_ candidates: [(RepositoryName, Digest)], linkedBefore: Date) async throws -> [(RepositoryName, Digest)] {
        let cutoff = linkedBefore.millisecondsSince1970
        return try await write { txn in
            var removed: [(RepositoryName, Digest)] = []
            for (repository, digest) in candidates {
                guard let repo = try self.repositoryID(repository, txn) else { continue }
                let key = Self.repoDigestKey(repo, digest)
                guard let value = try txn.get(self.db.blobLinks, key) else { continue }
                let link = try Self.decodeLink(digest, value)
                guard link.linkedAt.millisecondsSince1970 < cutoff else { continue }
                try txn.delete(self.db.blobLinks, key)
                removed.append((repository, digest))
            }
            return removed
        }
    }
}
