/// What an accessory is: the kinds of artifact that belong to another one (their subject).
public enum AccessoryType: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// A cosign signature (simple-signing payload, or a sigstore bundle whose predicate says "sign").
    case cosignSignature = "signature.cosign"
    /// A Notation (Notary v2) signature envelope.
    case notationSignature = "signature.notation"
    /// An in-toto attestation (cosign's DSSE envelopes, or sigstore bundles of other predicates).
    case attestation = "attestation"
    /// A software bill of materials (SPDX, CycloneDX, cosign's `.sbom` tag).
    case sbom = "sbom"
    /// Any other referrer.
    case generic = "generic"

    /// Whether this accessory signs its subject (what the signed-only policy looks for).
    public var isSignature: Bool { self == .cosignSignature || self == .notationSignature }

    /// The stable name stored in the index and shown by the API, e.g. `signature.cosign`.
    public var description: String { rawValue }
}
