import BerthModel
import Foundation

/// What the outbox records, inside the transaction that makes the change: every push, and
/// every delete with the subject it hangs from and that subject's tags as they were (after the
/// delete neither can be read any more, and a rule's filters judge the delete by them).
extension IndexWriteTransaction {
    /// Records the push of `digest` when `outbox` records.
    func recordPush(_ digest: Digest, in repository: RepositoryName, at now: Date, outbox: ReplicationOutbox?) throws {
        guard let outbox, let key = outbox.nextKey() else { return }
        let event = ReplicationEvent(kind: .push, repository: repository.value, digest: digest.description, at: now)
        try putReplicationRecord(.outbox, key, try ReplicationOutbox.encode(event))
    }

    /// The subject at the top of `digest`'s accessory chain (itself when it is no accessory).
    func topSubject(of digest: Digest, in repository: RepositoryName) throws -> Digest {
        try AccessoryChain.top(of: digest) { try subjects(ofAccessory: $0, in: repository).first }
    }

    /// A delete of `digest` as the outbox will record it, read before the delete (nil when
    /// `outbox` records nothing): the subject it hangs from directly, and the tags of the
    /// subject at the top of its chain (`tags`, when the caller knows them better: retention
    /// has already removed them).
    func pendingDelete(_ digest: Digest, in repository: RepositoryName, tags: [Tag]? = nil, outbox: ReplicationOutbox?) throws -> ReplicationEvent? {
        guard let outbox, outbox.isRecording else { return nil }
        let top = try topSubject(of: digest, in: repository)
        let topTags = try tags ?? self.tags(of: top, in: repository)
        let direct = try subjects(ofAccessory: digest, in: repository).first
        return ReplicationEvent(kind: .delete, repository: repository.value, digest: digest.description, subject: direct?.description,
                                subjectTags: topTags.map(\.value), at: Date())
    }

    /// Records a delete read by `pendingDelete`, with what it removed.
    func recordDelete(_ pending: ReplicationEvent?, removed: [Digest], outbox: ReplicationOutbox?) throws {
        guard var event = pending, !removed.isEmpty, let outbox, let key = outbox.nextKey() else { return }
        // Removed in closure order (the manifest, then its accessories): sent deepest first.
        event.removed = removed.reversed().map(\.description)
        try putReplicationRecord(.outbox, key, try ReplicationOutbox.encode(event))
    }

    /// Records the delete of a tag alone (the manifest stays) when `outbox` records.
    func recordUntag(_ tag: Tag, of digest: Digest, in repository: RepositoryName, outbox: ReplicationOutbox?) throws {
        guard let outbox, let key = outbox.nextKey() else { return }
        let event = ReplicationEvent(kind: .untag, repository: repository.value, digest: digest.description,
                                     subjectTags: [tag.value], at: Date())
        try putReplicationRecord(.outbox, key, try ReplicationOutbox.encode(event))
    }
}
