@testable import BerthEngine
import BerthModel
import Foundation
import Testing

/// The administration every caller goes through: what it refuses, and that it audits.
@Suite struct AdministrationTests {
    @Test func aLocalCollectionIsAuditedWithItsActor() async throws {
        try await withRegistry { registry, _ in
            _ = try await registry.administration.collectGarbage(dryRun: false, by: .local)
            let events = try registry.administration.auditLog(limit: 10)
            #expect(events.map { "\($0.actor) \($0.action)" } == ["local gc"])
        }
    }

    @Test func aDryRunChangesNothingAndIsNotAudited() async throws {
        try await withRegistry { registry, _ in
            _ = try await registry.administration.collectGarbage(dryRun: true, by: .local)
            _ = try await registry.administration.runRetention(dryRun: true, by: .local)
            #expect(try registry.administration.auditLog(limit: 10).isEmpty)
        }
    }

    @Test func aLocalRetentionRunAndPolicyChangeAreAudited() async throws {
        try await withRegistry { registry, _ in
            _ = try await registry.administration.setPolicies(RegistryPolicies(), by: .local)
            _ = try await registry.administration.runRetention(dryRun: false, by: .scheduler)
            let events = try registry.administration.auditLog(limit: 10)
            #expect(events.map { "\($0.actor) \($0.action)" } == ["local policy", "scheduler retention"])
        }
    }

    @Test func anAccessoryDeleteRefusesTheSubjectItselfAndRemovesNothing() async throws {
        try await withRegistry { registry, _ in
            let image = try await makeImage(registry, repo("app"), seed: 1)
            _ = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
            let sbom = try await makeImage(registry, repo("app"), seed: 2, artifactType: "application/spdx+json", subject: image.digest)
            _ = try await registry.putManifest(sbom.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(sbom.digest))
            await #expect(throws: RegistryError.self) {
                try await registry.administration.deleteAccessory(image.digest, of: .tag(tag("v1")), in: repo("app"), by: .local)
            }
            #expect(try registry.manifestRecord(.tag(tag("v1")), in: repo("app")).digest == image.digest)
            #expect(try registry.accessories(of: .tag(tag("v1")), in: repo("app")).map(\.digest) == [sbom.digest])
            // Only the two pushes are audited: the refused delete is not.
            #expect(try registry.administration.auditLog(limit: 10).map(\.action) == ["push", "push"])
        }
    }

    @Test func anAccessoryDeleteRefusesAnotherArtifactsAccessory() async throws {
        try await withRegistry { registry, _ in
            let first = try await makeImage(registry, repo("app"), seed: 1)
            _ = try await registry.putManifest(first.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
            let second = try await makeImage(registry, repo("app"), seed: 2)
            _ = try await registry.putManifest(second.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v2")))
            let sbom = try await makeImage(registry, repo("app"), seed: 3, artifactType: "application/spdx+json", subject: second.digest)
            _ = try await registry.putManifest(sbom.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(sbom.digest))
            await #expect(throws: RegistryError.self) {
                try await registry.administration.deleteAccessory(sbom.digest, of: .tag(tag("v1")), in: repo("app"), by: .local)
            }
            #expect(try registry.accessories(of: .tag(tag("v2")), in: repo("app")).map(\.digest) == [sbom.digest])
        }
    }

    @Test func aNestedAccessoryIsDeletedThroughItsArtifactAndAudited() async throws {
        try await withRegistry { registry, _ in
            let image = try await makeImage(registry, repo("app"), seed: 1)
            _ = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
            let sbom = try await makeImage(registry, repo("app"), seed: 2, artifactType: "application/spdx+json", subject: image.digest)
            _ = try await registry.putManifest(sbom.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(sbom.digest))
            let signature = try await makeImage(registry, repo("app"), seed: 3, artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json",
                                                subject: sbom.digest)
            _ = try await registry.putManifest(signature.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(signature.digest))
            let removed = try await registry.administration.deleteAccessory(signature.digest, of: .tag(tag("v1")), in: repo("app"), by: .local)
            #expect(removed.removed == [signature.digest.description])
            #expect(try registry.accessories(of: .tag(tag("v1")), in: repo("app")).first?.accessories.isEmpty == true)
            // The pushes are audited too (in their own transactions); the delete is the one change here.
            #expect(try registry.administration.auditLog(limit: 10).map(\.action).filter { $0 != "push" } == ["delete"])
        }
    }
}
