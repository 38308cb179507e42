import BerthModel
import Foundation
import Testing
@testable import BerthEngine

@Suite struct RetentionTests {
    /// Pushes one image per tag, in order, a few milliseconds apart so push times differ.
    private func pushTags(_ registry: FileRegistry, _ tags: [String]) async throws -> [String: PushedImage] {
        var images: [String: PushedImage] = [:]
        for (offset, name) in tags.enumerated() {
            let image = try await makeImage(registry, repo("app"), seed: UInt64(100 + offset))
            _ = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag(name)))
            images[name] = image
            try await Task.sleep(for: .milliseconds(3))
        }
        return images
    }

    @Test func keepLatestRemovesOlderTagsWithTheirManifestsAndAccessories() async throws {
        try await withRegistry { registry, _ in
            let images = try await pushTags(registry, ["v1", "v2", "v3", "v4"])
            let oldSignature = try await makeImage(registry, repo("app"), seed: 9, artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json",
                                                   subject: images["v1"]?.digest)
            _ = try await registry.putManifest(oldSignature.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(oldSignature.digest))
            try await registry.updatePolicies { $0.retention = [RetentionRule(repositories: "app", tags: "v*", keepLatest: 2)] }

            let dry = try await registry.runRetention(dryRun: true)
            #expect(Set(dry.tags) == ["app:v1", "app:v2"])
            #expect(try registry.tags(in: repo("app")).items.count == 4)

            let report = try await registry.runRetention(dryRun: false)
            #expect(Set(report.tags) == ["app:v1", "app:v2"])
            #expect(report.manifests.contains("app@\(oldSignature.digest)"))
            // The dry run foretold exactly this.
            #expect(Set(dry.manifests) == Set(report.manifests))
            #expect(try registry.tags(in: repo("app")).items.map(\.value) == ["v3", "v4"])
            #expect((try? registry.manifestRecord(.digest(oldSignature.digest), in: repo("app"))) == nil)
        }
    }

    @Test func keepWithinDaysKeepsRecentTags() async throws {
        try await withRegistry { registry, _ in
            _ = try await pushTags(registry, ["a", "b"])
            try await registry.updatePolicies { $0.retention = [RetentionRule(repositories: "app", keepWithinDays: 7)] }
            #expect(try await registry.runRetention(dryRun: false).tags.isEmpty)
            let later = try await registry.runRetention(dryRun: true, now: Date().addingTimeInterval(8 * 86_400))
            #expect(Set(later.tags) == ["app:a", "app:b"])
        }
    }

    @Test func retentionNeverTouchesImmutableTags() async throws {
        try await withRegistry { registry, _ in
            _ = try await pushTags(registry, ["release-1", "release-2", "release-3"])
            try await registry.updatePolicies {
                $0.retention = [RetentionRule(repositories: "app", keepLatest: 1)]
                $0.immutability = [ImmutabilityRule(repositories: "app", tags: "release-1")]
            }
            let report = try await registry.runRetention(dryRun: false)
            #expect(report.tags == ["app:release-2"])
            #expect(report.protected == ["app:release-1"])
            #expect(try registry.tags(in: repo("app")).items.map(\.value) == ["release-1", "release-3"])
        }
    }

    @Test func tagsOutsideTheRulesPatternAreLeftAlone() async throws {
        try await withRegistry { registry, _ in
            _ = try await pushTags(registry, ["v1", "v2", "latest"])
            try await registry.updatePolicies { $0.retention = [RetentionRule(repositories: "app", tags: "v*", keepLatest: 1)] }
            _ = try await registry.runRetention(dryRun: false)
            #expect(Set(try registry.tags(in: repo("app")).items.map(\.value)) == ["v2", "latest"])
        }
    }

    @Test func aManifestAKeptIndexNamesStaysWhenItsOwnTagGoes() async throws {
        try await withRegistry { registry, _ in
            let old = try await pushTags(registry, ["v1-amd64"])
            let child = try #require(old["v1-amd64"])
            let indexBytes = Array(#"{"schemaVersion":2,"mediaType":"\#(ociIndex)","manifests":[\#(descriptorJSON(ociManifest, child.digest, child.bytes.count))]}"#.utf8)
            _ = try await registry.putManifest(indexBytes, contentType: ociIndex, in: repo("app"), reference: .tag(tag("v1")))
            _ = try await pushTags(registry, ["v2-amd64"])
            try await registry.updatePolicies { $0.retention = [RetentionRule(repositories: "app", tags: "*-amd64", keepLatest: 1)] }
            let report = try await registry.runRetention(dryRun: false)
            #expect(report.tags == ["app:v1-amd64"])
            #expect(report.manifests.isEmpty)
            // `v1` still resolves to an index whose child is there.
            #expect((try? registry.manifestRecord(.digest(child.digest), in: repo("app"))) != nil)
            #expect(try await Fsck(registry: registry).run(repair: false).isClean)
        }
    }

    @Test func aTagPushedAgainAfterTheRuleLookedIsKept() async throws {
        try await withRegistry { registry, _ in
            _ = try await pushTags(registry, ["nightly"])
            let listed = try registry.index.tagRecords(in: repo("app"))
            // CI moves the tag to a new build between the listing and the removal.
            let newer = try await makeImage(registry, repo("app"), seed: 300)
            _ = try await registry.putManifest(newer.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("nightly")))
            let outcome = try await registry.index.retireTags(listed, in: repo("app"), dryRun: false, protection: nil)
            #expect(outcome == TagRetirement())
            #expect(try registry.index.resolve(tag: tag("nightly"), in: repo("app")) == newer.digest)
        }
    }

    @Test func aTagAddedToADoomedManifestAfterTheRuleLookedKeepsTheManifest() async throws {
        try await withRegistry { registry, _ in
            let images = try await pushTags(registry, ["v1"])
            let image = try #require(images["v1"])
            let listed = try registry.index.tagRecords(in: repo("app"))
            _ = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("stable")))
            let outcome = try await registry.index.retireTags(listed, in: repo("app"), dryRun: false, protection: nil)
            #expect(outcome.tags == [tag("v1")])
            #expect(outcome.manifests.isEmpty)
            #expect(try registry.index.resolve(tag: tag("stable"), in: repo("app")) == image.digest)
        }
    }
}
