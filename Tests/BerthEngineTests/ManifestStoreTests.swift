import BerthModel
import Foundation
import Testing
@testable import BerthEngine

@Suite struct ManifestStoreTests {
    @Test func manifestPushedByTagIsServedByTagAndDigestByteExact() async throws {
        try await withRegistry { registry, _ in
            let image = try await makeImage(registry, repo("app"), seed: 1)
            let record = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
            #expect(record.digest == image.digest)
            #expect(record.mediaType.rawValue == ociManifest)
            #expect(record.blobs == [image.config] + image.layers)
            #expect(try registry.manifest(.tag(tag("v1")), in: repo("app")).bytes == image.bytes)
            #expect(try registry.manifest(.digest(image.digest), in: repo("app")).bytes == image.bytes)
        }
    }

    @Test func largeManifestRoundTripsThroughCompressionAtRest() async throws {
        try await withRegistry { registry, _ in
            let image = try await makeImage(registry, repo("app"), seed: 2,
                                            annotations: Dictionary(uniqueKeysWithValues: (0..<300).map { ("org.example.key\($0)", "value \($0) value value") }))
            #expect(image.bytes.count > 8000)
            _ = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(image.digest))
            #expect(try registry.manifest(.digest(image.digest), in: repo("app")).bytes == image.bytes)
        }
    }

    @Test func digestReferenceMustMatchTheBody() async throws {
        try await withRegistry { registry, _ in
            let image = try await makeImage(registry, repo("app"), seed: 3)
            let wrong = sha256("x")
            await expectError(.digestMismatch(expected: wrong, actual: image.digest)) {
                try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(wrong))
            }
            await expectError(.manifestUnknown("app@\(image.digest)")) { try registry.manifest(.digest(image.digest), in: repo("app")) }
        }
    }

    @Test func aDescriptorWhoseSizeIsNotTheBlobsIsRefused() async throws {
        try await withRegistry { registry, _ in
            let config = Array(#"{"architecture":"amd64","os":"linux"}"#.utf8)
            let configDigest = try await pushBlob(registry, repo("app"), config)
            let layer = pseudoRandomBytes(5000, seed: 4)
            let layerDigest = try await pushBlob(registry, repo("app"), layer)
            // The layer named with a size of 1: clients would trust it, verifiers would not check it.
            let bytes = Array(#"{"schemaVersion":2,"mediaType":"\#(ociManifest)","config":\#(descriptorJSON("application/vnd.oci.image.config.v1+json", configDigest, config.count)),"layers":[\#(descriptorJSON("application/vnd.oci.image.layer.v1.tar", layerDigest, 1))]}"#.utf8)
            await #expect(performing: {
                try await registry.putManifest(bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
            }, throws: { error in
                guard case RegistryError.invalid(.invalidManifest(let reason)) = error else { return false }
                return reason.contains("5000")
            })
            #expect(try registry.index.resolve(tag: tag("v1"), in: repo("app")) == nil)
        }
    }

    @Test func manifestNamingABlobTheRepositoryLacksIsRefused() async throws {
        try await withRegistry { registry, _ in
            let image = try await makeImage(registry, repo("app"), seed: 4)
            await expectError(.manifestBlobUnknown(image.config)) {
                try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("other"), reference: .tag(tag("v1")))
            }
        }
    }

    @Test func indexNamingAMissingChildIsRefusedAndAcceptedOnceTheChildIsThere() async throws {
        try await withRegistry { registry, _ in
            let image = try await makeImage(registry, repo("app"), seed: 5)
            let index = Array(#"{"schemaVersion":2,"mediaType":"\#(ociIndex)","manifests":[\#(descriptorJSON(ociManifest, image.digest, image.bytes.count, extra: #","platform":{"architecture":"amd64","os":"linux"}"#))]}"#.utf8)
            await expectError(.manifestChildUnknown(image.digest)) {
                try await registry.putManifest(index, contentType: ociIndex, in: repo("app"), reference: .tag(tag("latest")))
            }
            _ = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(image.digest))
            let record = try await registry.putManifest(index, contentType: ociIndex, in: repo("app"), reference: .tag(tag("latest")))
            #expect(record.children == [image.digest])
        }
    }

    @Test func invalidManifestIsRefusedWithAValidationError() async throws {
        try await withRegistry { registry, _ in
            do {
                _ = try await registry.putManifest(Array("{not json".utf8), contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
                Issue.record("accepted invalid JSON")
            } catch let error as RegistryError {
                guard case .invalid(.invalidManifest) = error else { Issue.record("unexpected \(error)"); return }
            }
        }
    }

    @Test func manifestOverFourMebibytesIsRefused() async throws {
        try await withRegistry { registry, _ in
            let bytes = [UInt8](repeating: 0x20, count: 4 * 1024 * 1024 + 1)
            await expectError(.invalid(.manifestTooLarge(size: bytes.count, limit: 4 * 1024 * 1024))) {
                try await registry.putManifest(bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
            }
        }
    }

    @Test func pushingByTagMovesTheTag() async throws {
        try await withRegistry { registry, _ in
            let first = try await makeImage(registry, repo("app"), seed: 6)
            let second = try await makeImage(registry, repo("app"), seed: 7)
            _ = try await registry.putManifest(first.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
            _ = try await registry.putManifest(second.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
            #expect(try registry.manifestRecord(.tag(tag("v1")), in: repo("app")).digest == second.digest)
            #expect(try registry.index.tags(of: first.digest, in: repo("app")).isEmpty)
            #expect(try registry.index.tags(of: second.digest, in: repo("app")) == [tag("v1")])
        }
    }

    @Test func deletingATagLeavesTheManifest() async throws {
        try await withRegistry { registry, _ in
            let image = try await makeImage(registry, repo("app"), seed: 8)
            _ = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
            try await registry.deleteTag(tag("v1"), in: repo("app"))
            await expectError(.manifestUnknown("app:v1")) { try registry.manifestRecord(.tag(tag("v1")), in: repo("app")) }
            #expect(try registry.manifest(.digest(image.digest), in: repo("app")).bytes == image.bytes)
        }
    }

    @Test func deletingAManifestRemovesItsTagsAndItsReferrerEdge() async throws {
        try await withRegistry { registry, _ in
            let subject = try await makeImage(registry, repo("app"), seed: 9)
            _ = try await registry.putManifest(subject.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
            let signature = try await makeImage(registry, repo("app"), seed: 10, artifactType: "application/vnd.example.sig",
                                                subject: subject.digest, subjectSize: subject.bytes.count)
            _ = try await registry.putManifest(signature.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("sig")))
            #expect(try registry.referrers(of: subject.digest, in: repo("app")).count == 1)

            try await registry.deleteManifest(signature.digest, in: repo("app"))
            #expect(try registry.referrers(of: subject.digest, in: repo("app")).isEmpty)
            await expectError(.manifestUnknown("app:sig")) { try registry.manifestRecord(.tag(tag("sig")), in: repo("app")) }
            #expect(try registry.index.manifestBytes(signature.digest) == nil)
            #expect(try registry.tags(in: repo("app")).items == [tag("v1")])
        }
    }

    @Test func documentSharedByTwoRepositoriesSurvivesDeletionFromOne() async throws {
        try await withRegistry { registry, _ in
            let image = try await makeImage(registry, repo("a"), seed: 11)
            for blob in [image.config] + image.layers { _ = try await registry.mountBlob(blob, from: repo("a"), into: repo("b")) }
            _ = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("a"), reference: .tag(tag("v1")))
            _ = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("b"), reference: .tag(tag("v1")))
            try await registry.deleteManifest(image.digest, in: repo("a"))
            #expect(try registry.manifest(.tag(tag("v1")), in: repo("b")).bytes == image.bytes)
        }
    }

    @Test func deletingAnUnknownManifestIsManifestUnknown() async throws {
        try await withRegistry { registry, _ in
            let digest = sha256("nothing")
            await expectError(.manifestUnknown("app@\(digest)")) { try await registry.deleteManifest(digest, in: repo("app")) }
        }
    }

    @Test func repushKeepsTheFirstPushTime() async throws {
        try await withRegistry { registry, _ in
            let image = try await makeImage(registry, repo("app"), seed: 12)
            let first = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
            try await Task.sleep(for: .milliseconds(20))
            let again = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v2")))
            #expect(again.pushedAt == first.pushedAt)
            #expect(Set(try registry.index.tags(of: image.digest, in: repo("app"))) == [tag("v1"), tag("v2")])
        }
    }
}
