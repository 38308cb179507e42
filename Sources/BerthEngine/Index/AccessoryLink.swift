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
}

/// How a link was made; a link may be made both ways at once.
struct AccessoryLinkFlags: OptionSet, Sendable {
    let rawValue: UInt8
    static let subjectField = AccessoryLinkFlags(rawValue: 1)
    static let tagScheme = AccessoryLinkFlags(rawValue: 2)
}
