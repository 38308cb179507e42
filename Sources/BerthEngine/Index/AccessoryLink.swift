import BerthModel
import Foundation

/// The link from a subject to one of its accessories (signature, attestation, SBOM, …).
///
/// Links are keyed by the subject's digest, not by its record, so an accessory may arrive
/// before its subject and is found once the subject is there (a back reference).
public struct AccessoryLink: Sendable, Hashable {
    /// The artifact the accessory belongs to.
    public let subject: Digest
    /// The accessory manifest.
    public let accessory: Digest
    /// What the accessory is.
    public let type: AccessoryType
    /// Linked by the accessory's OCI `subject` field.
    public let viaSubjectField: Bool
    /// Linked by cosign's tag scheme (`sha256-<hex>.sig`, `.att`, `.sbom`).
    public let viaTagScheme: Bool
    /// When the link was first made.
    public let linkedAt: Date

    /// A link from `subject` to `accessory`, made by the subject field, the tag scheme or both.
    public init(subject: Digest, accessory: Digest, type: AccessoryType, viaSubjectField: Bool, viaTagScheme: Bool, linkedAt: Date) {
        self.subject = subject
        self.accessory = accessory
        self.type = type
        self.viaSubjectField = viaSubjectField
        self.viaTagScheme = viaTagScheme
        self.linkedAt = linkedAt
    }

    /// The ways this link was made.
    var flags: AccessoryLinkFlags {
        var flags = AccessoryLinkFlags()
        if viaSubjectField { flags.insert(.subjectField) }
        if viaTagScheme { flags.insert(.tagScheme) }
        return flags
    }

    /// The same link made only by `flags`.
    func with(_ flags: AccessoryLinkFlags, type: AccessoryType? = nil) -> AccessoryLink {
        AccessoryLink(subject: subject, accessory: accessory, type: type ?? self.type,
                      viaSubjectField: flags.contains(.subjectField), viaTagScheme: flags.contains(.tagScheme), linkedAt: linkedAt)
    }
}

/// How a link was made; a link may be made both ways at once (the rules' view of the two flags).
struct AccessoryLinkFlags: OptionSet, Sendable {
    let rawValue: UInt8
    static let subjectField = AccessoryLinkFlags(rawValue: 1)
    static let tagScheme = AccessoryLinkFlags(rawValue: 2)
}
