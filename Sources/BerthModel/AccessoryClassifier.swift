/// Recognises what kind of accessory a manifest is, from what real tools push.
///
/// Table-driven: each row is one format, so the next format is one more row. The first row
/// that matches wins, so more specific rows come first.
public enum AccessoryClassifier {
    /// Annotation a sigstore bundle carries to say what it holds.
    public static let bundlePredicateAnnotation = "dev.sigstore.bundle.predicateType"
    /// The predicate type of a bundle that is a signature (cosign 3's default signing output).
    public static let signaturePredicate = "https://sigstore.dev/cosign/sign/v1"

    /// What one row looks at.
    public struct Evidence: Sendable {
        /// The manifest's artifact type (declared, or its config's media type).
        public let artifactType: String?
        /// Media types of the manifest's layers.
        public let layerTypes: [String]
        /// The manifest's annotations.
        public let annotations: [String: String]
        /// The cosign tag-scheme suffix the manifest is tagged with (`sig`, `att`, `sbom`), if any.
        public let tagSuffix: String?

        /// Evidence gathered from a manifest (and the tag-scheme suffix it was pushed under).
        public init(manifest: Manifest, tagSuffix: String? = nil) {
            self.artifactType = manifest.artifactType?.essence
            self.layerTypes = manifest.layers.map(\.mediaType.essence)
            self.annotations = manifest.annotations
            self.tagSuffix = tagSuffix
        }

        /// Evidence from its parts.
        public init(artifactType: String?, layerTypes: [String] = [], annotations: [String: String] = [:], tagSuffix: String? = nil) {
            self.artifactType = artifactType?.lowercased()
            self.layerTypes = layerTypes.map { $0.lowercased() }
            self.annotations = annotations
            self.tagSuffix = tagSuffix
        }
    }

    /// One recognised format.
    public struct Rule: Sendable {
        /// What the format is called, for documentation and debugging.
        public let format: String
        /// The type it gives.
        public let type: AccessoryType
        /// Whether the evidence is this format.
        public let matches: @Sendable (Evidence) -> Bool
    }

    /// The recognised formats, most specific first.
    public static let rules: [Rule] = [
        Rule(format: "sigstore bundle, signature predicate", type: .cosignSignature) {
            $0.artifactType == "application/vnd.dev.sigstore.bundle.v0.3+json" && $0.annotations[bundlePredicateAnnotation] == signaturePredicate
        },
        Rule(format: "sigstore bundle, other predicate", type: .attestation) {
            $0.artifactType?.hasPrefix("application/vnd.dev.sigstore.bundle") == true
        },
        Rule(format: "cosign signature, OCI 1.1 referrer", type: .cosignSignature) {
            $0.artifactType == "application/vnd.dev.cosign.artifact.sig.v1+json"
        },
        Rule(format: "cosign simple-signing layers (tag scheme .sig)", type: .cosignSignature) {
            $0.layerTypes.contains("application/vnd.dev.cosign.simplesigning.v1+json")
        },
        Rule(format: "Notation signature", type: .notationSignature) {
            $0.artifactType == "application/vnd.cncf.notary.signature"
        },
        Rule(format: "cosign attestation, OCI 1.1 referrer", type: .attestation) {
            $0.artifactType == "application/vnd.dev.cosign.artifact.att.v1+json"
        },
        Rule(format: "DSSE envelope layers (tag scheme .att)", type: .attestation) {
            $0.layerTypes.contains("application/vnd.dsse.envelope.v1+json")
        },
        Rule(format: "in-toto statement", type: .attestation) {
            $0.artifactType?.hasPrefix("application/vnd.in-toto") == true
        },
        Rule(format: "SPDX SBOM", type: .sbom) {
            ["application/spdx+json", "text/spdx", "application/vnd.dev.cosign.artifact.sbom.v1+json"].contains($0.artifactType ?? "")
                || $0.layerTypes.contains { $0 == "text/spdx" || $0 == "application/spdx+json" || $0.hasPrefix("text/spdx+") }
        },
        Rule(format: "CycloneDX SBOM", type: .sbom) {
            $0.artifactType?.hasPrefix("application/vnd.cyclonedx") == true || $0.layerTypes.contains { $0.hasPrefix("application/vnd.cyclonedx") }
        },
        Rule(format: "cosign tag scheme .sig", type: .cosignSignature) { $0.tagSuffix == "sig" },
        Rule(format: "cosign tag scheme .att", type: .attestation) { $0.tagSuffix == "att" },
        Rule(format: "cosign tag scheme .sbom", type: .sbom) { $0.tagSuffix == "sbom" },
    ]

    /// The type of an accessory; `.generic` when no row matches.
    public static func classify(_ evidence: Evidence) -> AccessoryType {
        rules.first { $0.matches(evidence) }?.type ?? .generic
    }

    /// The envelope or document format of an accessory, where the evidence shows it: a cosign
    /// signature's `simple signing` payload or `sigstore bundle`, a Notation signature's `JWS`
    /// or `COSE` envelope, an attestation's `DSSE` envelope or `in-toto` statement, an SBOM's
    /// `SPDX` or `CycloneDX`; nil when nothing says.
    public static func format(_ evidence: Evidence) -> String? {
        let artifactType = evidence.artifactType ?? ""
        let layers = evidence.layerTypes
        if artifactType.hasPrefix("application/vnd.dev.sigstore.bundle") || layers.contains(where: { $0.hasPrefix("application/vnd.dev.sigstore.bundle") }) {
            return "sigstore bundle"
        }
        if layers.contains("application/vnd.dev.cosign.simplesigning.v1+json") { return "simple signing" }
        if layers.contains("application/jose+json") { return "JWS" }
        if layers.contains("application/cose") { return "COSE" }
        if layers.contains("application/vnd.dsse.envelope.v1+json") { return "DSSE" }
        if artifactType.hasPrefix("application/vnd.in-toto") || layers.contains(where: { $0.hasPrefix("application/vnd.in-toto") }) { return "in-toto" }
        if artifactType.contains("spdx") || layers.contains(where: { $0.contains("spdx") }) { return "SPDX" }
        if artifactType.contains("cyclonedx") || layers.contains(where: { $0.contains("cyclonedx") }) { return "CycloneDX" }
        return nil
    }

    /// The subject digest and suffix named by a cosign tag-scheme tag (`sha256-<hex>.sig`,
    /// `.att`, `.sbom`); nil for any other tag.
    public static func tagSchemeSubject(_ tag: Tag) -> (subject: Digest, suffix: String)? {
        let value = tag.value
        guard let dot = value.lastIndex(of: "."), let dash = value.firstIndex(of: "-") else { return nil }
        let suffix = String(value[value.index(after: dot)...])
        guard ["sig", "att", "sbom"].contains(suffix), dash < dot else { return nil }
        let algorithm = value[..<dash]
        let encoded = value[value.index(after: dash)..<dot]
        guard let parsed = DigestAlgorithm(rawValue: String(algorithm)),
              let digest = try? Digest(algorithm: parsed, encoded: String(encoded)) else { return nil }
        return (digest, suffix)
    }
}
