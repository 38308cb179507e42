import BerthModel
import Foundation

/// The write side of garbage collection: removals that re-check, inside their transaction,
/// that what the collector marked dead is still dead.
extension LMDBIndex {
    public func collectManifests(_ candidates: [(RepositoryName, Digest)], pushedBefore: Date) async throws -> [(RepositoryName, Digest)] {
        let cutoff = pushedBefore.millisecondsSince1970
        return try await write { txn in
            // First each candidate on its own: gone already, pushed again or tagged since the mark.
            var doomed: [CollectedManifest: RepositoryName] = [:]
            for (repository, digest) in candidates {
                guard let repo = try self.repositoryID(repository, txn),
                      try self.isStillDead(digest, repo: repo, repository: repository, cutoff: cutoff, txn) else { continue }
                doomed[CollectedManifest(repo: repo, digest: digest)] = repository
            }
            // Then what holds it: an index that names it, or the subject it is an accessory of.
            // One that stays (live all along, or revived above) keeps it, and what it keeps
            // keeps others in turn. So a subject revived while the collection ran keeps its
            // signatures, and whether a child goes with its index does not depend on the order
            // of the list. A worklist: each manifest and edge is looked at once.
            var dependents: [CollectedManifest: [CollectedManifest]] = [:]
            var kept: [CollectedManifest] = []
            for manifest in doomed.keys {
                let holders = try (self.parents(of: manifest.digest, repo: manifest.repo, txn)
                    + self.presentSubjects(ofAccessory: manifest.digest, repo: manifest.repo, txn))
                    .map { CollectedManifest(repo: manifest.repo, digest: $0) }
                if holders.contains(where: { doomed[$0] == nil }) { kept.append(manifest) }
                for holder in holders where doomed[holder] != nil { dependents[holder, default: []].append(manifest) }
            }
            while let manifest = kept.popLast() {
                guard doomed.removeValue(forKey: manifest) != nil else { continue }
                kept += dependents[manifest] ?? []
            }
            var removed: [(RepositoryName, Digest)] = []
            for (manifest, repository) in doomed.sorted(by: { ($0.key.repo, $0.key.digest.description) < ($1.key.repo, $1.key.digest.description) })
            where try self.deleteManifest(manifest.digest, repo: manifest.repo, repository: repository, txn) {
                removed.append((repository, manifest.digest))
            }
            return removed
        }
    }

    /// Whether a manifest the mark found dead is still there and still dead on its own: not
    /// pushed (first or again) after `cutoff`, and without a tag other than a cosign
    /// tag-scheme tag.
    private func isStillDead(_ digest: Digest, repo: UInt32, repository: RepositoryName, cutoff: Int64, _ txn: LMDBTransaction) throws -> Bool {
        let key = Self.repoDigestKey(repo, digest)
        guard let value = try txn.get(db.manifests, key) else { return false }
        let record = try decodeManifest(value, repository: repository, digest: digest, txn)
        guard record.pushedAt.millisecondsSince1970 < cutoff else { return false }
        if let pushed = try txn.get(db.manifestRepositories, Self.manifestRepositoryKey(digest, repo)), pushed.count == 8 {
            var reader = BinaryReader(pushed)
            guard try reader.i64() < cutoff else { return false }
        }
        return try !hasPlainTag(digest, repo: repo, txn)
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

/// A manifest garbage collection is about to remove: a digest within one repository (by id).
private struct CollectedManifest: Hashable {
    let repo: UInt32
    let digest: Digest
}
