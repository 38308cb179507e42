import BerthModel
import Foundation

/// The rules of tags: immutability is checked where a tag moves, and a cosign tag-scheme tag
/// carries an accessory link with it (the manifest it names is an accessory of the subject
/// its name encodes, and stops being one by tag when the tag moves on or goes).
extension IndexWriteTransaction {
    /// Points `tag` at `digest` (whose parsed form is `manifest`). Refused with
    /// `.protectedByRule` when the tag names another manifest and `protection` gives a reason.
    func moveTag(_ tag: Tag, to digest: Digest, manifest: Manifest, in repository: RepositoryName, now: Date,
                 protection: (@Sendable (Tag) -> String?)?) throws {
        let scheme = AccessoryClassifier.tagSchemeSubject(tag)
        if let previous = try self.tag(tag, in: repository), previous.digest != digest {
            if let reason = protection?(tag) { throw RegistryError.protectedByRule(reason) }
            if let scheme { try unlink(accessory: previous.digest, from: scheme.subject, flags: .tagScheme, in: repository) }
        }
        if let scheme {
            let type = AccessoryClassifier.classify(.init(manifest: manifest, tagSuffix: scheme.suffix))
            try link(accessory: digest, to: scheme.subject, type: type, flags: .tagScheme, in: repository, now: now)
        }
        try setTag(tag, to: digest, in: repository, at: now)
    }

    /// Removes `tag`, which points at `digest`, and for a cosign tag-scheme tag the accessory
    /// link it made.
    func retire(_ tag: Tag, from digest: Digest, in repository: RepositoryName) throws {
        try removeTag(tag, in: repository)
        if let scheme = AccessoryClassifier.tagSchemeSubject(tag) {
            try unlink(accessory: digest, from: scheme.subject, flags: .tagScheme, in: repository)
        }
    }

    /// Whether `digest` carries a tag other than a cosign tag-scheme tag (those name an
    /// accessory's subject; they never keep a manifest on their own).
    func hasPlainTag(_ digest: Digest, in repository: RepositoryName) throws -> Bool {
        try tags(of: digest, in: repository).contains { AccessoryClassifier.tagSchemeSubject($0) == nil }
    }
}

extension MetadataIndex {
    /// Removes one tag; returns false if it did not exist. Refused, inside the transaction,
    /// when `protection` names a reason.
    public func deleteTag(_ tag: Tag, in repository: RepositoryName, protection: (@Sendable (Tag) -> String?)?,
                          outbox: ReplicationOutbox? = nil) async throws -> Bool {
        try await write { txn in
            guard let record = try txn.tag(tag, in: repository) else { return false }
            if let reason = protection?(tag) { throw RegistryError.protectedByRule(reason) }
            try txn.retire(tag, from: record.digest, in: repository)
            try txn.recordUntag(tag, of: record.digest, in: repository, outbox: outbox)
            return true
        }
    }
}
