import BerthModel
import Foundation
import Testing
@testable import BerthEngine

@Suite struct RetentionTests {
    /// Pushes one image per tag, in order, a few milliseconds apart so push times differ.
    private func pushTags(_ registry: Registry, _ tags: [String]) async throws -> [String: PushedImage] {
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
}
