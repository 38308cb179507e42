import BerthModel
import Foundation
import Testing
@testable import BerthEngine

@Suite struct ReferrersTests {
    @Test func referrerMayArriveBeforeItsSubject() async throws {
        try await withRegistry { registry, _ in
            let subject = try await makeImage(registry, repo("app"), seed: 20)
            let signature = try await makeImage(registry, repo("app"), seed: 21, artifactType: "application/vnd.example.sig",
                                                subject: subject.digest, subjectSize: subject.bytes.count)
            let record = try await registry.putManifest(signature.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(signature.digest))
            #expect(record.subject == subject.digest)
            #expect(try registry.referrers(of: subject.digest, in: repo("app")).map(\.digest) == [signature.digest])
            _ = try await registry.putManifest(subject.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
            #expect(try registry.referrers(of: subject.digest, in: repo("app")).map(\.digest) == [signature.digest])
        }
    }

    @Test func referrerDescriptorCarriesArtifactTypeSizeAndAnnotations() async throws {
        try await withRegistry { registry, _ in
            let subject = sha256("subject")
            let sbom = try await makeImage(registry, repo("app"), seed: 22, artifactType: "application/spdx+json",
                                           subject: subject, annotations: ["org.opencontainers.image.created": "2026-11-25T00:00:00Z"])
            _ = try await registry.putManifest(sbom.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(sbom.digest))
            let descriptor = try #require(try registry.referrers(of: subject, in: repo("app")).first)
            #expect(descriptor.mediaType.rawValue == ociManifest)
            #expect(descriptor.size == Int64(sbom.bytes.count))
            #expect(descriptor.artifactType?.rawValue == "application/spdx+json")
            #expect(descriptor.annotations == ["org.opencontainers.image.created": "2026-11-25T00:00:00Z"])
        }
    }

    @Test func artifactTypeFallsBackToTheConfigMediaType() async throws {
        try await withRegistry { registry, _ in
            let subject = sha256("subject")
            let legacy = try await makeImage(registry, repo("app"), seed: 23, subject: subject,
                                             configMediaType: "application/vnd.example.legacy.config")
            _ = try await registry.putManifest(legacy.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(legacy.digest))
            let found = try registry.referrers(of: subject, in: repo("app"), artifactType: MediaType(rawValue: "application/vnd.example.legacy.config"))
            #expect(found.map(\.digest) == [legacy.digest])
        }
    }

    @Test func filterReturnsOnlyReferrersOfThatArtifactType() async throws {
        try await withRegistry { registry, _ in
            let subject = sha256("subject")
            var signatures: Set<Digest> = []
            for seed in 30..<40 {
                let type = seed % 3 == 0 ? "application/vnd.example.sig" : "application/spdx+json"
                let referrer = try await makeImage(registry, repo("app"), seed: UInt64(seed), artifactType: type, subject: subject)
                _ = try await registry.putManifest(referrer.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(referrer.digest))
                if seed % 3 == 0 { signatures.insert(referrer.digest) }
            }
            #expect(try registry.referrers(of: subject, in: repo("app")).count == 10)
            let filtered = try registry.referrers(of: subject, in: repo("app"), artifactType: "application/vnd.example.sig")
            #expect(Set(filtered.map(\.digest)) == signatures)
            #expect(filtered.allSatisfy { $0.artifactType?.rawValue == "application/vnd.example.sig" })
            #expect(try registry.referrers(of: subject, in: repo("app"), artifactType: "application/never.seen").isEmpty)
        }
    }

    @Test func referrersAreScopedToTheRepository() async throws {
        try await withRegistry { registry, _ in
            let subject = sha256("subject")
            let referrer = try await makeImage(registry, repo("app"), seed: 24, artifactType: "application/vnd.example.sig", subject: subject)
            _ = try await registry.putManifest(referrer.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(referrer.digest))
            #expect(try registry.referrers(of: subject, in: repo("other")).isEmpty)
            #expect(try registry.referrers(of: sha256("unrelated"), in: repo("app")).isEmpty)
        }
    }
}
