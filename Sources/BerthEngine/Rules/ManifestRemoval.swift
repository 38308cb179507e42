import BerthModel
import Foundation

/// The rules of deleting a manifest: an accessory lives and dies with its subject, so a
/// manifest goes with every accessory linked to it (signatures of signatures included); and
/// nothing goes that would break an immutable tag.
extension IndexWriteTransaction {
    /// Why deleting `digest` would break an immutable tag: a protected tag on it, on anything it
    /// hangs from (its subjects, the indexes naming it, recursively), or on any of its accessories.
    func protectionReason(_ digest: Digest, in repository: RepositoryName, _ protection: (Tag) -> String?) throws -> String? {
        var pending = [digest]
        var seen: Set<Digest> = []
        while let next = pending.popLast() {
            guard seen.insert(next).inserted else { continue }
            for tag in try tags(of: next, in: repository) {
                if let reason = protection(tag) { return "\(digest) cannot be deleted: \(reason)" }
            }
            pending += try subjects(ofAccessory: next, in: repository)
            pending += try parents(of: next, in: repository)
        }
        pending = [digest]
        while let next = pending.popLast() {
            for child in try accessoryLinks(of: next, in: repository).map(\.accessory) where seen.insert(child).inserted {
                for tag in try tags(of: child, in: repository) {
                    if let reason = protection(tag) { return "\(digest) cannot be deleted: its accessory \(child) is protected: \(reason)" }
                }
                pending.append(child)
            }
        }
        return nil
    }

    /// Whether `accessory` hangs below `subject`: linked to it, or to one of its accessories.
    func isAccessory(_ accessory: Digest, below subject: Digest, in repository: RepositoryName) throws -> Bool {
        var pending = [subject]
        var seen: Set<Digest> = [subject]
        while let next = pending.popLast() {
            for link in try accessoryLinks(of: next, in: repository) where seen.insert(link.accessory).inserted {
                if link.accessory == accessory { return true }
                pending.append(link.accessory)
            }
        }
        return false
    }

    /// Removes a manifest and, recursively, every accessory linked to it. Returns what was removed.
    func deleteWithAccessories(_ digest: Digest, in repository: RepositoryName) throws -> [Digest] {
        var pending = [digest]
        var closure: [Digest] = []
        var seen: Set<Digest> = []
        while let next = pending.popLast() {
            guard seen.insert(next).inserted else { continue }
            closure.append(next)
            pending += try accessoryLinks(of: next, in: repository).map(\.accessory)
        }
        return try closure.filter { try deleteAlone($0, in: repository) }
    }

    /// Removes one manifest with its tags and the links to the subjects it is an accessory of.
    ///
    /// The links of its own accessories stay: they belong to the accessories (written from
    /// their subject field or tag), and go when each accessory goes. An accessory that
    /// outlives its subject (pushed again while a collection removed the subject) is then
    /// attached again the moment the subject is pushed again, as one pushed before its
    /// subject is.
    func deleteAlone(_ digest: Digest, in repository: RepositoryName) throws -> Bool {
        guard try hasManifest(digest, in: repository) else { return false }
        for tag in try tags(of: digest, in: repository) { try removeTag(tag, in: repository) }
        for subject in try subjects(ofAccessory: digest, in: repository) {
            try removeAccessoryLink(from: subject, to: digest, in: repository)
        }
        return try removeManifest(digest, in: repository)
    }
}

extension MetadataIndex {
    /// Removes a manifest from a repository with its tags, its own referrer edge and,
    /// recursively, its accessories, in one transaction, unless `protection` names a reason
    /// (`.protectedByRule`). Returns every manifest removed (empty when it was not there).
    /// `outbox` records the delete for replication in the same transaction.
    public func deleteManifest(_ digest: Digest, in repository: RepositoryName, protection: (@Sendable (Tag) -> String?)?,
                               outbox: ReplicationOutbox? = nil) async throws -> [Digest] {
        try await write { txn in
            guard try txn.hasManifest(digest, in: repository) else { return [] }
            if let protection, let reason = try txn.protectionReason(digest, in: repository, protection) {
                throw RegistryError.protectedByRule(reason)
            }
            let event = try txn.pendingDelete(digest, in: repository, outbox: outbox)
            let removed = try txn.deleteWithAccessories(digest, in: repository)
            try txn.recordDelete(event, removed: removed, outbox: outbox)
            return removed
        }
    }

    /// Removes one accessory of `subject` (direct or nested) with its own accessories, in one
    /// transaction, as `deleteManifest` does. Refused with `.invalidPolicy`, removing nothing,
    /// when `accessory` does not hang below `subject` by then: a delete by accessory never takes
    /// the subject itself, or an artifact of another subject.
    public func deleteAccessory(_ accessory: Digest, of subject: Digest, in repository: RepositoryName,
                                protection: (@Sendable (Tag) -> String?)?, outbox: ReplicationOutbox? = nil) async throws -> [Digest] {
        try await write { txn in
            guard try txn.isAccessory(accessory, below: subject, in: repository) else {
                throw RegistryError.invalidPolicy("\(accessory) is not an accessory of \(repository)@\(subject); nothing was deleted")
            }
            if let protection, let reason = try txn.protectionReason(accessory, in: repository, protection) {
                throw RegistryError.protectedByRule(reason)
            }
            let event = try txn.pendingDelete(accessory, in: repository, outbox: outbox)
            let removed = try txn.deleteWithAccessories(accessory, in: repository)
            try txn.recordDelete(event, removed: removed, outbox: outbox)
            return removed
        }
    }
}
