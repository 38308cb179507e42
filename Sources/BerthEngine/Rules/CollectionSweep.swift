import BerthModel
import Foundation

/// What garbage collection's sweep may remove: the collector marks from a snapshot, and each
/// removal re-checks here, in its own transaction, that what it marked dead is still dead.
extension MetadataIndex {
    /// Removes each listed manifest (alone, not its accessories: the collector lists those it
    /// found dead itself) unless, by now, it carries a tag other than a cosign tag-scheme tag
    /// or was pushed after `pushedBefore`, or an index or a subject that stays (by those rules,
    /// or because it was never listed) still holds it. Returns what it removed.
    public func collectManifests(_ candidates: [(RepositoryName, Digest)], pushedBefore: Date) async throws -> [(RepositoryName, Digest)] {
        try await write { txn in try txn.collect(candidates, pushedBefore: pushedBefore) }
    }

    /// Removes each listed blob link unless, by now, it was linked or touched after
    /// `linkedBefore`. Returns what it removed.
    public func collectBlobLinks(_ candidates: [(RepositoryName, Digest)], linkedBefore: Date) async throws -> [(RepositoryName, Digest)] {
        let cutoff = linkedBefore.millisecondsSince1970
        return try await write { txn in
            try candidates.filter { repository, digest in
                guard let link = try txn.blobLink(digest, in: repository), link.linkedAt.millisecondsSince1970 < cutoff else { return false }
                return try txn.removeBlobLink(digest, from: repository)
            }
        }
    }
}

extension IndexWriteTransaction {
    fileprivate func collect(_ candidates: [(RepositoryName, Digest)], pushedBefore: Date) throws -> [(RepositoryName, Digest)] {
        let cutoff = pushedBefore.millisecondsSince1970
        // First each candidate on its own: gone already, pushed again or tagged since the mark.
        var doomed: Set<CollectedManifest> = []
        for (repository, digest) in candidates where try isStillDead(digest, in: repository, cutoff: cutoff) {
            doomed.insert(CollectedManifest(repository: repository, digest: digest))
        }
        // Then what holds it: an index that names it, or the subject it is an accessory of.
        // One that stays (live all along, or revived above) keeps it, and what it keeps keeps
        // others in turn. So a subject revived while the collection ran keeps its signatures,
        // and whether a child goes with its index does not depend on the order of the list.
        // A worklist: each manifest and edge is looked at once.
        var dependents: [CollectedManifest: [CollectedManifest]] = [:]
        var kept: [CollectedManifest] = []
        for manifest in doomed {
            let holders = try (parents(of: manifest.digest, in: manifest.repository)
                + presentSubjects(ofAccessory: manifest.digest, in: manifest.repository))
                .map { CollectedManifest(repository: manifest.repository, digest: $0) }
            if holders.contains(where: { !doomed.contains($0) }) { kept.append(manifest) }
            for holder in holders where doomed.contains(holder) { dependents[holder, default: []].append(manifest) }
        }
        while let manifest = kept.popLast() {
            guard doomed.remove(manifest) != nil else { continue }
            kept += dependents[manifest] ?? []
        }
        var removed: [(RepositoryName, Digest)] = []
        for manifest in doomed.sorted(by: { ($0.repository.value, $0.digest.description) < ($1.repository.value, $1.digest.description) })
        where try deleteAlone(manifest.digest, in: manifest.repository) {
            removed.append((manifest.repository, manifest.digest))
        }
        return removed
    }

    /// Whether a manifest the mark found dead is still there and still dead on its own: not
    /// pushed (first or again) after `cutoff`, and without a tag other than a cosign
    /// tag-scheme tag.
    private func isStillDead(_ digest: Digest, in repository: RepositoryName, cutoff: Int64) throws -> Bool {
        guard let record = try manifest(digest, in: repository), record.pushedAt.millisecondsSince1970 < cutoff else { return false }
        if let pushed = try lastPush(of: digest, in: repository), pushed.millisecondsSince1970 >= cutoff { return false }
        return try !hasPlainTag(digest, in: repository)
    }
}

/// A manifest garbage collection is about to remove: a digest within one repository.
private struct CollectedManifest: Hashable {
    let repository: RepositoryName
    let digest: Digest
}
