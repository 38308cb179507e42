import BerthModel
import Foundation

/// The rule of accessory links: a link subject → accessory is made by the accessory's OCI
/// `subject` field, by a cosign tag-scheme tag (`sha256-<hex>.sig`, `.att`, `.sbom`) naming
/// it, or both; it lasts while either way holds, and keeps the time it was first made.
///
/// Links are keyed by the subject's digest, not its record: an accessory pushed before its
/// subject is linked at once and found when the subject arrives.
extension IndexWriteTransaction {
    /// Adds `flags` to the link subject → accessory, creating it with `type` if new (an
    /// existing link takes the newest classification and keeps its first time).
    func link(accessory: Digest, to subject: Digest, type: AccessoryType, flags: AccessoryLinkFlags,
              in repository: RepositoryName, now: Date) throws {
        let existing = try accessoryLink(from: subject, to: accessory, in: repository)
        let link = existing.map { $0.with($0.flags.union(flags), type: type) }
            ?? AccessoryLink(subject: subject, accessory: accessory, type: type, viaSubjectField: false, viaTagScheme: false, linkedAt: now)
                .with(flags)
        try setAccessoryLink(link, in: repository)
    }

    /// Removes `flags` from the link subject → accessory, and the link once no way holds it.
    func unlink(accessory: Digest, from subject: Digest, flags: AccessoryLinkFlags, in repository: RepositoryName) throws {
        guard let existing = try accessoryLink(from: subject, to: accessory, in: repository) else { return }
        let remaining = existing.flags.subtracting(flags)
        if remaining.isEmpty {
            try removeAccessoryLink(from: subject, to: accessory, in: repository)
        } else {
            try setAccessoryLink(existing.with(remaining), in: repository)
        }
    }

    /// The subjects `accessory` is linked to that are stored in the repository (an accessory
    /// may be linked to a subject not pushed yet, or no longer there).
    func presentSubjects(ofAccessory accessory: Digest, in repository: RepositoryName) throws -> [Digest] {
        try subjects(ofAccessory: accessory, in: repository).filter { try hasManifest($0, in: repository) }
    }
}
