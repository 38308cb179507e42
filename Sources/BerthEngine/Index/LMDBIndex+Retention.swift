import BerthModel
import Foundation

/// The write side of retention: removals decided from a listing of tags, re-checked inside
/// one transaction so that nothing pushed since the listing is lost.
extension LMDBIndex {
    public func retireTags(_ records: [TagRecord], in repository: RepositoryName, dryRun: Bool,
                           protection: (@Sendable (Tag) -> String?)?) async throws -> TagRetirement {
        try await write { txn in
            // A dry run computes the same outcome against the live index and keeps none of it.
            if dryRun { return try txn.rehearsal { try self.retireTags(records, in: repository, protection: protection, $0) } }
            return try self.retireTags(records, in: repository, protection: protection, txn)
        }
    }

    private func retireTags(_ records: [TagRecord], in repository: RepositoryName,
                            protection: (@Sendable (Tag) -> String?)?, _ txn: LMDBTransaction) throws -> TagRetirement {
        var outcome = TagRetirement()
        guard let repo = try repositoryID(repository, txn) else { return outcome }
        var untagged: [Digest] = []
        for record in records {
            // A tag moved to another manifest, or pushed again, since the listing is the one a
            // client just pushed: it is no longer the tag the rule judged.
            guard let value = try txn.get(db.tags, Self.tagKey(repo, record.tag.value)) else { continue }
            var reader = BinaryReader(value)
            guard try reader.digest() == record.digest,
                  try reader.i64() == record.taggedAt.millisecondsSince1970 else { continue }
            if let reason = protection?(record.tag) {
                outcome.protected.append(reason)
                continue
            }
            try removeTag(record.tag, from: record.digest, repo: repo, txn)
            outcome.tags.append(record.tag)
            if !untagged.contains(record.digest) { untagged.append(record.digest) }
        }
        for digest in untagged where try isLeftUnheld(digest, repo: repo, txn) {
            if let protection, let reason = try protectionReason(digest, repo: repo, protection, txn) {
                outcome.protected.append(reason)
                continue
            }
            outcome.manifests += try deleteWithAccessories(digest, repo: repo, repository: repository, txn)
        }
        return outcome
    }

    /// Whether a manifest that lost tags to retention should go with them: it is still there,
    /// carries no tag other than a cosign tag-scheme tag, no index names it (deleting it would
    /// break a kept index; garbage collection takes it once the index goes) and it is not an
    /// accessory of a present subject (an accessory lives and dies with its subject).
    private func isLeftUnheld(_ digest: Digest, repo: UInt32, _ txn: LMDBTransaction) throws -> Bool {
        guard try txn.contains(db.manifests, Self.repoDigestKey(repo, digest)) else { return false }
        return try !hasPlainTag(digest, repo: repo, txn)
            && parents(of: digest, repo: repo, txn).isEmpty
            && presentSubjects(ofAccessory: digest, repo: repo, txn).isEmpty
    }
}
