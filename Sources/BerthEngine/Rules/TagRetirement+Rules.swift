import BerthModel
import Foundation

/// What retention may remove: tags a rule does not keep, decided from a listing and re-checked
/// here in one transaction, so that nothing pushed since the listing is lost.
extension MetadataIndex {
    /// Removes `records` (tags a rule does not keep, as listed by `tagRecords`) in one
    /// transaction: a tag is removed only if it still names the same manifest with the same
    /// push time, and one `protection` names a reason for is kept; a manifest left without a
    /// tag goes with its accessories unless an index names it, it is an accessory of a present
    /// subject, or `protection` protects it. `dryRun`: the same outcome, nothing kept.
    /// `outbox` records each manifest delete for replication in the same transaction.
    public func retireTags(_ records: [TagRecord], in repository: RepositoryName, dryRun: Bool,
                           protection: (@Sendable (Tag) -> String?)?, outbox: ReplicationOutbox? = nil) async throws -> TagRetirement {
        try await write { txn in
            // A dry run computes the same outcome against the live index and keeps none of it.
            if dryRun { return try txn.rehearse { try $0.retire(records, in: repository, protection: protection, outbox: nil) } }
            return try txn.retire(records, in: repository, protection: protection, outbox: outbox)
        }
    }
}

extension IndexWriteTransaction {
    fileprivate func retire(_ records: [TagRecord], in repository: RepositoryName,
                            protection: (@Sendable (Tag) -> String?)?, outbox: ReplicationOutbox?) throws -> TagRetirement {
        var outcome = TagRetirement()
        var untagged: [Digest] = []
        // The tags each manifest had: the delete is judged by them once they are gone.
        var retiredTags: [Digest: [Tag]] = [:]
        for record in records {
            // A tag moved to another manifest, or pushed again, since the listing is the one a
            // client just pushed: it is no longer the tag the rule judged.
            guard let current = try tag(record.tag, in: repository), current.digest == record.digest,
                  current.taggedAt.millisecondsSince1970 == record.taggedAt.millisecondsSince1970 else { continue }
            if let reason = protection?(record.tag) {
                outcome.protected.append(reason)
                continue
            }
            if outbox?.isRecording == true { retiredTags[record.digest, default: []] += try tags(of: record.digest, in: repository) }
            try retire(record.tag, from: record.digest, in: repository)
            outcome.tags.append(record.tag)
            if !untagged.contains(record.digest) { untagged.append(record.digest) }
        }
        for digest in untagged where try isLeftUnheld(digest, in: repository) {
            if let protection, let reason = try protectionReason(digest, in: repository, protection) {
                outcome.protected.append(reason)
                continue
            }
            let event = try pendingDelete(digest, in: repository, tags: retiredTags[digest].map { Array(Set($0)) }, outbox: outbox)
            let removed = try deleteWithAccessories(digest, in: repository)
            try recordDelete(event, removed: removed, outbox: outbox)
            outcome.manifests += removed
        }
        return outcome
    }

    /// Whether a manifest that lost tags to retention should go with them: it is still there,
    /// carries no tag other than a cosign tag-scheme tag, no index names it (deleting it would
    /// break a kept index; garbage collection takes it once the index goes) and it is not an
    /// accessory of a present subject (an accessory lives and dies with its subject).
    private func isLeftUnheld(_ digest: Digest, in repository: RepositoryName) throws -> Bool {
        guard try hasManifest(digest, in: repository) else { return false }
        return try !hasPlainTag(digest, in: repository)
            && parents(of: digest, in: repository).isEmpty
            && presentSubjects(ofAccessory: digest, in: repository).isEmpty
    }
}
