import BerthModel
import Testing

/// Accessory classification, from what signing, attestation and SBOM tools push.
@Suite struct AccessoryClassifierTests {
    @Test func tagSchemeTagsNameTheirSubject() throws {
        let hex = String(repeating: "ab", count: 32)
        let parsed = AccessoryClassifier.tagSchemeSubject(try Tag(parsing: "sha256-\(hex).sig"))
        #expect(parsed?.subject == (try Digest(parsing: "sha256:\(hex)")))
        #expect(parsed?.suffix == "sig")
        #expect(AccessoryClassifier.tagSchemeSubject(try Tag(parsing: "sha256-\(hex).att"))?.suffix == "att")
        #expect(AccessoryClassifier.tagSchemeSubject(try Tag(parsing: "sha256-\(hex).sbom"))?.suffix == "sbom")
        #expect(AccessoryClassifier.tagSchemeSubject(try Tag(parsing: "sha256-\(hex).txt")) == nil)
        #expect(AccessoryClassifier.tagSchemeSubject(try Tag(parsing: "sha256-abc.sig")) == nil)
        #expect(AccessoryClassifier.tagSchemeSubject(try Tag(parsing: "v1.sig")) == nil)
    }

    @Test(arguments: [
        ("application/vnd.dev.cosign.artifact.sig.v1+json", [String](), [String: String](), nil, AccessoryType.cosignSignature),
        (nil, ["application/vnd.dev.cosign.simplesigning.v1+json"], [:], "sig", .cosignSignature),
        ("application/vnd.dev.sigstore.bundle.v0.3+json", [], ["dev.sigstore.bundle.predicateType": "https://sigstore.dev/cosign/sign/v1"], nil, .cosignSignature),
        ("application/vnd.dev.sigstore.bundle.v0.3+json", [], ["dev.sigstore.bundle.predicateType": "https://slsa.dev/provenance/v1"], nil, .attestation),
        ("application/vnd.cncf.notary.signature", [], [:], nil, .notationSignature),
        (nil, ["application/vnd.dsse.envelope.v1+json"], [:], "att", .attestation),
        ("application/spdx+json", [], [:], nil, .sbom),
        ("application/vnd.cyclonedx+json", [], [:], nil, .sbom),
        (nil, ["text/plain"], [:], "sbom", .sbom),
        ("application/vnd.example.other", [], [:], nil, .generic),
    ] as [(String?, [String], [String: String], String?, AccessoryType)])
    func formatsAreRecognisedFromWhatToolsPush(artifactType: String?, layers: [String], annotations: [String: String],
                                               suffix: String?, expected: AccessoryType) {
        let evidence = AccessoryClassifier.Evidence(artifactType: artifactType, layerTypes: layers, annotations: annotations, tagSuffix: suffix)
        #expect(AccessoryClassifier.classify(evidence) == expected)
    }
}
