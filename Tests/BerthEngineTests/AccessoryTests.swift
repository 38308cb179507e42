import BerthModel
import Foundation
import Testing
@testable import BerthEngine

/// Accessories linked by `subject` or by cosign's tag scheme, listed as a tree, deleted with
/// their subject.
@Suite struct AccessoryTests {
    let cosignSig = "application/vnd.dev.cosign.artifact.sig.v1+json"
    let simpleSigning = "application/vnd.dev.cosign.simplesigning.v1+json"

    /// Pushes a tagged subject image.
    private func subject(_ registry: FileRegistry, seed: UInt64 = 1) async throws -> PushedImage {
        let image = try await makeImage(registry, repo("app"), seed: seed)
        _ = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v\(seed)")))
        return image
    }

    /// A cosign tag-scheme signature manifest (simple-signing layer), pushed under `sha256-<hex>.sig`.
    @discardableResult
    private func tagSchemeSignature(_ registry: FileRegistry, of subject: Digest, seed: UInt64) async throws -> PushedImage {
        let signature = try await makeImage(registry, repo("app"), seed: seed, layerMediaType: simpleSigning)
        let schemeTag = tag("sha256-\(subject.encoded).sig")
        _ = try await registry.putManifest(signature.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(schemeTag))
        return signature
    }

    /// An OCI 1.1 referrer of `artifactType` with `subject`, pushed by digest.
    @discardableResult
    private func referrer(_ registry: FileRegistry, of subject: Digest, seed: UInt64, artifactType: String,
                          annotations: [String: String] = [:]) async throws -> PushedImage {
        let image = try await makeImage(registry, repo("app"), seed: seed, artifactType: artifactType, subject: subject, annotations: annotations)
        _ = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(image.digest))
        return image
    }

    @Test func tagSchemeSignatureIsAnAccessoryOfTheDigestInItsTag() async throws {
        try await withRegistry { registry, _ in
            let image = try await subject(registry)
            let signature = try await tagSchemeSignature(registry, of: image.digest, seed: 100)
            let tree = try registry.accessories(of: .tag(tag("v1")), in: repo("app"))
            #expect(tree.map(\.digest) == [signature.digest])
            #expect(tree.first?.type == .cosignSignature)
            #expect(tree.first?.linkedByTagScheme == true)
            #expect(tree.first?.tags == [tag("sha256-\(image.digest.encoded).sig")])
        }
    }

    @Test func ociReferrersAreClassifiedByTheirFormat() async throws {
        try await withRegistry { registry, _ in
            let image = try await subject(registry)
            let sig = try await referrer(registry, of: image.digest, seed: 10, artifactType: cosignSig)
            let notation = try await referrer(registry, of: image.digest, seed: 11, artifactType: "application/vnd.cncf.notary.signature")
            let sbom = try await referrer(registry, of: image.digest, seed: 12, artifactType: "application/spdx+json")
            let bundle = try await referrer(registry, of: image.digest, seed: 13, artifactType: "application/vnd.dev.sigstore.bundle.v0.3+json",
                                            annotations: ["dev.sigstore.bundle.predicateType": "https://sigstore.dev/cosign/sign/v1"])
            let provenance = try await referrer(registry, of: image.digest, seed: 14, artifactType: "application/vnd.dev.sigstore.bundle.v0.3+json",
                                                annotations: ["dev.sigstore.bundle.predicateType": "https://slsa.dev/provenance/v1"])
            let other = try await referrer(registry, of: image.digest, seed: 15, artifactType: "application/vnd.example.thing")
            let types = Dictionary(uniqueKeysWithValues: try registry.accessories(of: .digest(image.digest), in: repo("app")).map { ($0.digest, $0.type) })
            #expect(types == [sig.digest: .cosignSignature, notation.digest: .notationSignature, sbom.digest: .sbom,
                              bundle.digest: .cosignSignature, provenance.digest: .attestation, other.digest: .generic])
        }
    }

    @Test func accessoriesNest() async throws {
        try await withRegistry { registry, _ in
            let image = try await subject(registry)
            let sbom = try await referrer(registry, of: image.digest, seed: 20, artifactType: "application/spdx+json")
            let sbomSignature = try await referrer(registry, of: sbom.digest, seed: 21, artifactType: cosignSig)
            let tree = try registry.accessories(of: .digest(image.digest), in: repo("app"))
            #expect(tree.map(\.digest) == [sbom.digest])
            #expect(tree.first?.accessories.map(\.digest) == [sbomSignature.digest])
        }
    }

    @Test func signaturePushedBeforeItsSubjectIsLinkedWhenTheSubjectArrives() async throws {
        try await withRegistry { registry, _ in
            let image = try await makeImage(registry, repo("app"), seed: 30)
            let signature = try await tagSchemeSignature(registry, of: image.digest, seed: 31)
            #expect(try registry.accessories(of: .digest(image.digest), in: repo("app")).map(\.digest) == [signature.digest])
            _ = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
            #expect(try registry.accessories(of: .tag(tag("v1")), in: repo("app")).map(\.digest) == [signature.digest])
            #expect(try registry.isSigned(image.digest, in: repo("app")))
        }
    }

    @Test func deletingASubjectDeletesItsAccessoriesRecursively() async throws {
        try await withRegistry { registry, _ in
            let image = try await subject(registry)
            let signature = try await tagSchemeSignature(registry, of: image.digest, seed: 40)
            let sbom = try await referrer(registry, of: image.digest, seed: 41, artifactType: "application/spdx+json")
            let sbomSignature = try await referrer(registry, of: sbom.digest, seed: 42, artifactType: cosignSig)
            let removed = try await registry.deleteManifest(image.digest, in: repo("app"))
            #expect(Set(removed) == [image.digest, signature.digest, sbom.digest, sbomSignature.digest])
            for digest in removed {
                await expectError(.manifestUnknown("app@\(digest)")) { try registry.manifestRecord(.digest(digest), in: repo("app")) }
            }
            #expect(try registry.tags(in: repo("app")).items.isEmpty)
            #expect(try registry.referrers(of: image.digest, in: repo("app")).isEmpty)
            #expect(try registry.accessories(of: .digest(image.digest), in: repo("app")).isEmpty)
        }
    }

    @Test func deletingOneAccessoryTakesItsTagAndItsOwnAccessoriesOnly() async throws {
        try await withRegistry { registry, _ in
            let image = try await subject(registry)
            let signature = try await tagSchemeSignature(registry, of: image.digest, seed: 50)
            let signatureOfSignature = try await referrer(registry, of: signature.digest, seed: 51, artifactType: cosignSig)
            let sbom = try await referrer(registry, of: image.digest, seed: 52, artifactType: "application/spdx+json")
            let removed = try await registry.deleteManifest(signature.digest, in: repo("app"))
            #expect(Set(removed) == [signature.digest, signatureOfSignature.digest])
            #expect(try registry.tags(in: repo("app")).items == [tag("v1")])
            #expect(try registry.accessories(of: .tag(tag("v1")), in: repo("app")).map(\.digest) == [sbom.digest])
        }
    }

    @Test func deletingOnlyATagLeavesTheManifestAndItsAccessories() async throws {
        try await withRegistry { registry, _ in
            let image = try await subject(registry)
            let signature = try await tagSchemeSignature(registry, of: image.digest, seed: 60)
            try await registry.deleteTag(tag("v1"), in: repo("app"))
            #expect(try registry.accessories(of: .digest(image.digest), in: repo("app")).map(\.digest) == [signature.digest])
        }
    }

    @Test func repushingTheSigTagMovesTheLinkToTheNewSignature() async throws {
        try await withRegistry { registry, _ in
            let image = try await subject(registry)
            let first = try await tagSchemeSignature(registry, of: image.digest, seed: 70)
            let second = try await tagSchemeSignature(registry, of: image.digest, seed: 71)
            #expect(try registry.accessories(of: .digest(image.digest), in: repo("app")).map(\.digest) == [second.digest])
            #expect(try registry.index.subjects(ofAccessory: first.digest, in: repo("app")).isEmpty)
        }
    }

    @Test func signatureStatusFollowsSignatureAccessoriesAndSignedIndexes() async throws {
        try await withRegistry { registry, _ in
            let image = try await subject(registry)
            #expect(try registry.isSigned(image.digest, in: repo("app")) == false)
            _ = try await referrer(registry, of: image.digest, seed: 80, artifactType: "application/spdx+json")
            #expect(try registry.isSigned(image.digest, in: repo("app")) == false)

            let child = try await makeImage(registry, repo("app"), seed: 81)
            _ = try await registry.putManifest(child.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(child.digest))
            let indexBytes = Array(#"{"schemaVersion":2,"mediaType":"\#(ociIndex)","manifests":[\#(descriptorJSON(ociManifest, child.digest, child.bytes.count))]}"#.utf8)
            let indexRecord = try await registry.putManifest(indexBytes, contentType: ociIndex, in: repo("app"), reference: .tag(tag("multi")))
            #expect(try registry.isSigned(child.digest, in: repo("app")) == false)
            try await tagSchemeSignature(registry, of: indexRecord.digest, seed: 82)
            #expect(try registry.isSigned(indexRecord.digest, in: repo("app")))
            #expect(try registry.isSigned(child.digest, in: repo("app")))
        }
    }

    @Test func artifactListingShowsSignedStatusAndAccessories() async throws {
        try await withRegistry { registry, _ in
            let signed = try await subject(registry, seed: 1)
            let unsigned = try await subject(registry, seed: 2)
            let signature = try await tagSchemeSignature(registry, of: signed.digest, seed: 90)
            let listing = Dictionary(uniqueKeysWithValues: try await registry.artifacts(in: repo("app")).map { ($0.record.digest, $0) })
            #expect(listing[signed.digest]?.isSigned == true)
            #expect(listing[signed.digest]?.accessoryCount == 1)
            #expect(listing[unsigned.digest]?.isSigned == false)
            #expect(listing[signature.digest]?.isAccessory == true)
        }
    }
}
