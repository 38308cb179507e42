import BerthModel
import BerthSigningTestSupport
import Foundation
import Testing
@testable import BerthEngine

@Suite struct ImmutabilityTests {
    private func protectedImage(_ registry: FileRegistry) async throws -> PushedImage {
        try await registry.updatePolicies { $0.immutability = [ImmutabilityRule(repositories: "app", tags: "v*")] }
        let image = try await makeImage(registry, repo("app"), seed: 1)
        _ = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
        return image
    }

    private func isProtectedError(_ error: any Error) -> Bool {
        if case RegistryError.protectedByRule = error { return true }
        return false
    }

    @Test func anImmutableTagCannotBeMovedButTheSameDigestMayBePushedAgain() async throws {
        try await withRegistry { registry, _ in
            let image = try await protectedImage(registry)
            let other = try await makeImage(registry, repo("app"), seed: 2)
            await #expect(performing: {
                try await registry.putManifest(other.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
            }, throws: isProtectedError)
            _ = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
            #expect(try registry.manifestRecord(.tag(tag("v1")), in: repo("app")).digest == image.digest)
            // Tags the rule does not match move freely.
            _ = try await registry.putManifest(other.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("latest")))
            _ = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("latest")))
        }
    }

    @Test func aPushByDigestWithTagsIsRefusedWholeWhenOneTagIsImmutable() async throws {
        try await withRegistry { registry, _ in
            _ = try await protectedImage(registry)
            let other = try await makeImage(registry, repo("app"), seed: 3)
            await #expect(performing: {
                try await registry.putManifest(other.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(other.digest),
                                               tags: [tag("latest"), tag("v1"), tag("stable")])
            }, throws: isProtectedError)
            // Neither the manifest nor the tags before or after the refused one were stored.
            #expect(throws: RegistryError.self) { try registry.manifestRecord(.digest(other.digest), in: repo("app")) }
            #expect(throws: RegistryError.self) { try registry.manifestRecord(.tag(tag("latest")), in: repo("app")) }
            #expect(throws: RegistryError.self) { try registry.manifestRecord(.tag(tag("stable")), in: repo("app")) }
        }
    }

    @Test func anImmutableTagItsManifestAndItsAccessoriesCannotBeDeleted() async throws {
        try await withRegistry { registry, _ in
            let image = try await protectedImage(registry)
            let signature = try await makeImage(registry, repo("app"), seed: 3, artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json", subject: image.digest)
            _ = try await registry.putManifest(signature.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(signature.digest))
            await #expect(performing: { try await registry.deleteTag(tag("v1"), in: repo("app")) }, throws: isProtectedError)
            await #expect(performing: { try await registry.deleteManifest(image.digest, in: repo("app")) }, throws: isProtectedError)
            await #expect(performing: { try await registry.deleteManifest(signature.digest, in: repo("app")) }, throws: isProtectedError)
            #expect(try registry.accessories(of: .tag(tag("v1")), in: repo("app")).map(\.digest) == [signature.digest])
        }
    }

    @Test func signingAnImmutableReleaseAgainMovesTheSigTag() async throws {
        try await withRegistry { registry, _ in
            let image = try await protectedImage(registry)
            let schemeTag = tag("sha256-\(image.digest.encoded).sig")
            let first = try await makeImage(registry, repo("app"), seed: 4, layerMediaType: "application/vnd.dev.cosign.simplesigning.v1+json")
            _ = try await registry.putManifest(first.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(schemeTag))
            let second = try await makeImage(registry, repo("app"), seed: 5, layerMediaType: "application/vnd.dev.cosign.simplesigning.v1+json")
            _ = try await registry.putManifest(second.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(schemeTag))
            #expect(try registry.accessories(of: .tag(tag("v1")), in: repo("app")).map(\.digest) == [second.digest])
        }
    }

    @Test func rulesSurviveAReopen() async throws {
        let root = TemporaryRoot()
        var registry = try await root.open()
        try await registry.updatePolicies {
            $0.immutability = [ImmutabilityRule(repositories: "team/**", tags: "release-*")]
            $0.signedOnly = [SignedOnlyPolicy(repositories: "prod/*", level: .present)]
            $0.garbageCollection.collectUntagged = true
        }
        await registry.close()
        registry = try await root.open()
        #expect(registry.policies.immutability == [ImmutabilityRule(repositories: "team/**", tags: "release-*")])
        #expect(registry.policies.signedOnlyPolicy(for: repo("prod/api"))?.level == .present)
        #expect(registry.policies.garbageCollection.collectUntagged)
        await registry.close()
    }
}

@Suite struct PolicyValidationTests {
    @Test func policiesThatCannotWorkAreRefusedAndNothingChanges() async throws {
        try await withRegistry { registry, _ in
            for bad in [
                { (p: inout RegistryPolicies) in p.signedOnly = [SignedOnlyPolicy(repositories: "**", level: .verified)] },
                { (p: inout RegistryPolicies) in p.trustedKeys = [TrustedKey(name: "junk", publicKeyPEM: "not a key")] },
                { (p: inout RegistryPolicies) in p.retention = [RetentionRule(repositories: "**")] },
                { (p: inout RegistryPolicies) in p.garbageCollection.intervalSeconds = 0 },
            ] {
                await #expect(performing: { try await registry.updatePolicies(bad) }, throws: { error in
                    if case RegistryError.invalidPolicy = error { return true }
                    return false
                })
            }
            #expect(registry.policies == RegistryPolicies())
        }
    }
}

@Suite struct SignedOnlyTests {
    private func denied(_ error: any Error) -> Bool {
        if case RegistryError.deniedByPolicy = error { return true }
        return false
    }

    @Test func presentLevelRefusesUnsignedAndAcceptsSignedArtifacts() async throws {
        try await withRegistry { registry, _ in
            try await registry.updatePolicies { $0.signedOnly = [SignedOnlyPolicy(repositories: "app", level: .present)] }
            let image = try await makeImage(registry, repo("app"), seed: 1)
            let record = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
            await #expect(performing: { try await registry.checkPullPolicy(record) }, throws: denied)
            let signature = try await makeImage(registry, repo("app"), seed: 2, artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json", subject: image.digest,
                                                layerMediaType: "application/vnd.dev.cosign.simplesigning.v1+json")
            let signatureRecord = try await registry.putManifest(signature.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(signature.digest))
            try await registry.checkPullPolicy(record)
            try await registry.checkPullPolicy(signatureRecord)
        }
    }

    @Test func aRunnableImageNamingASubjectIsHeldToThePolicyButASignatureIsNot() async throws {
        try await withRegistry { registry, _ in
            try await registry.updatePolicies { $0.signedOnly = [SignedOnlyPolicy(repositories: "app", level: .present)] }
            let signed = try await makeImage(registry, repo("app"), seed: 1)
            _ = try await registry.putManifest(signed.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
            // An unsigned image whose subject field names the signed one: still an image.
            let smuggled = try await makeImage(registry, repo("app"), seed: 2, subject: signed.digest)
            let smuggledRecord = try await registry.putManifest(smuggled.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(smuggled.digest))
            await #expect(performing: { try await registry.checkPullPolicy(smuggledRecord) }, throws: denied)
            // cosign's signature (an image config, a simplesigning layer) and an oras artifact
            // (empty config, a tar layer) are accessories a runtime cannot run: served.
            let signature = try await makeImage(registry, repo("app"), seed: 3, layerMediaType: "application/vnd.dev.cosign.simplesigning.v1+json")
            let signatureRecord = try await registry.putManifest(signature.bytes, contentType: ociManifest, in: repo("app"),
                                                                 reference: .tag(tag("sha256-\(signed.digest.encoded).sig")))
            try await registry.checkPullPolicy(signatureRecord)
            let artifact = try await makeImage(registry, repo("app"), seed: 4, artifactType: "application/vnd.example.report", subject: signed.digest,
                                               configMediaType: "application/vnd.oci.empty.v1+json", layerMediaType: "application/vnd.oci.image.layer.v1.tar")
            let artifactRecord = try await registry.putManifest(artifact.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(artifact.digest))
            try await registry.checkPullPolicy(artifactRecord)
        }
    }

    @Test func anSBOMIsNotASignature() async throws {
        try await withRegistry { registry, _ in
            try await registry.updatePolicies { $0.signedOnly = [SignedOnlyPolicy(repositories: "**")] }
            let image = try await makeImage(registry, repo("app"), seed: 1)
            let record = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
            let sbom = try await makeImage(registry, repo("app"), seed: 2, artifactType: "application/spdx+json", subject: image.digest)
            _ = try await registry.putManifest(sbom.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(sbom.digest))
            await #expect(performing: { try await registry.checkPullPolicy(record) }, throws: denied)
        }
    }

    @Test func repositoriesOutsideThePolicyAreNotChecked() async throws {
        try await withRegistry { registry, _ in
            try await registry.updatePolicies { $0.signedOnly = [SignedOnlyPolicy(repositories: "prod/*")] }
            // The same unsigned image: refused where the policy applies, served where it does not.
            for name in ["prod/app", "dev/app"] {
                let image = try await makeImage(registry, repo(name), seed: 1)
                let record = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo(name), reference: .tag(tag("v1")))
                if name == "prod/app" {
                    await #expect(performing: { try await registry.checkPullPolicy(record) }, throws: denied)
                } else {
                    await #expect(throws: Never.self) { try await registry.checkPullPolicy(record) }
                }
            }
        }
    }

    private func verifiedSetup(_ registry: FileRegistry, trusting signer: TestSigner) async throws -> (PushedImage, ManifestRecord) {
        try await registry.updatePolicies {
            $0.signedOnly = [SignedOnlyPolicy(repositories: "app", level: .verified)]
            $0.trustedKeys = [TrustedKey(name: "release", publicKeyPEM: signer.publicKeyPEM)]
        }
        let image = try await makeImage(registry, repo("app"), seed: 1)
        let record = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
        return (image, record)
    }

    @Test func verifiedLevelAcceptsACosignTagSchemeSignatureByATrustedKey() async throws {
        let signer = try TestSigner()
        defer { signer.remove() }
        try await withRegistry { registry, _ in
            let (image, record) = try await verifiedSetup(registry, trusting: signer)
            await #expect(performing: { try await registry.checkPullPolicy(record) }, throws: denied)
            let signature = try await SignatureBuilder.cosignSignature(registry, repo("app"), subject: image.digest, signer: signer)
            _ = try await registry.putManifest(signature, contentType: ociManifest, in: repo("app"), reference: .tag(tag("sha256-\(image.digest.encoded).sig")))
            try await registry.checkPullPolicy(record)
            let listed = try await registry.artifacts(in: repo("app")).first { $0.record.digest == image.digest }
            #expect(listed?.isVerified == true)
        }
    }

    @Test func verifiedLevelAcceptsAnOCIReferrerASigstoreBundleAndANotationEnvelope() async throws {
        let signer = try TestSigner()
        defer { signer.remove() }
        try await withRegistry { registry, _ in
            for (seed, build) in [(10, 0), (20, 1), (30, 2)] {
                let (image, _) = try await verifiedSetup(registry, trusting: signer)
                let subject = try await makeImage(registry, repo("app"), seed: UInt64(seed))
                let record = try await registry.putManifest(subject.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("s\(seed)")))
                _ = image
                // Unsigned, the subject is refused; signed by the trusted key in each format, served.
                await #expect(performing: { try await registry.checkPullPolicy(record) }, throws: denied)
                let signature: [UInt8] = switch build {
                case 0: try await SignatureBuilder.cosignSignature(registry, repo("app"), subject: subject.digest, signer: signer, ociReferrer: true)
                case 1: try await SignatureBuilder.bundleSignature(registry, repo("app"), subject: subject.digest, signer: signer)
                default: try await SignatureBuilder.notationSignature(registry, repo("app"), subject: subject.digest, signer: signer)
                }
                _ = try await registry.putManifest(signature, contentType: ociManifest, in: repo("app"), reference: .digest(sha256(signature)))
                await #expect(throws: Never.self, "signature format \(build)") { try await registry.checkPullPolicy(record) }
            }
        }
    }

    @Test func verifiedLevelRefusesASignatureByAnotherKey() async throws {
        let trusted = try TestSigner()
        let stranger = try TestSigner()
        defer { trusted.remove(); stranger.remove() }
        try await withRegistry { registry, _ in
            let (image, record) = try await verifiedSetup(registry, trusting: trusted)
            let signature = try await SignatureBuilder.cosignSignature(registry, repo("app"), subject: image.digest, signer: stranger)
            _ = try await registry.putManifest(signature, contentType: ociManifest, in: repo("app"), reference: .tag(tag("sha256-\(image.digest.encoded).sig")))
            await #expect(performing: { try await registry.checkPullPolicy(record) }, throws: denied)
            let listed = try await registry.artifacts(in: repo("app")).first { $0.record.digest == image.digest }
            #expect(listed?.isSigned == true)
            #expect(listed?.isVerified == false)
            // The outcome is cached per signature and key.
            let keyID = try ContentHasher.digest(of: Array(trusted.publicKeyPEM.utf8)).rawBytes
            #expect(try registry.index.signatureCheck(sha256(signature), subject: image.digest, key: keyID, in: repo("app")) == false)
        }
    }

    @Test func verifiedLevelRefusesAValidSignatureOverAnotherDigest() async throws {
        let signer = try TestSigner()
        defer { signer.remove() }
        try await withRegistry { registry, _ in
            let (image, record) = try await verifiedSetup(registry, trusting: signer)
            let elsewhere = SignatureBuilder.simpleSigningPayload(sha256("some other image"))
            let signature = try await SignatureBuilder.cosignSignature(registry, repo("app"), subject: image.digest, signer: signer, payload: elsewhere)
            _ = try await registry.putManifest(signature, contentType: ociManifest, in: repo("app"), reference: .tag(tag("sha256-\(image.digest.encoded).sig")))
            await #expect(performing: { try await registry.checkPullPolicy(record) }, throws: denied)
        }
    }
}
