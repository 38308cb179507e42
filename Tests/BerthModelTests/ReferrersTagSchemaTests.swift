import Foundation
import Testing
@testable import BerthModel

/// The distribution spec's referrers tag schema, as Berth keeps it on registries without the
/// referrers API.
@Suite struct ReferrersTagSchemaTests {
    private let subject = try! Digest(parsing: "sha256:" + String(repeating: "a", count: 64))

    private func referrer(_ seed: UInt8, type: String = "application/vnd.example.sig") -> Descriptor {
        Descriptor(mediaType: .ociImageManifest, digest: try! Digest(algorithm: .sha256, rawBytes: [UInt8](repeating: seed, count: 32)),
                   size: Int64(seed), annotations: ["n": "\(seed)"], artifactType: MediaType(rawValue: type))
    }

    @Test func theTagIsTheAlgorithmADashAndTheDigest() {
        #expect(ReferrersTagSchema.tag(for: subject).value == "sha256-" + String(repeating: "a", count: 64))
    }

    @Test func aSHA512SubjectsReferenceIsCutTo64Characters() throws {
        let long = try Digest(parsing: "sha512:" + String(repeating: "b", count: 128))
        #expect(ReferrersTagSchema.tag(for: long).value == "sha512-" + String(repeating: "b", count: 64))
        // Cut, it names no digest whole: not read back as a subject.
        #expect(ReferrersTagSchema.subject(of: ReferrersTagSchema.tag(for: long)) == nil)
    }

    @Test func aReferrersTagNamesItsSubjectAndNoOtherTagDoes() throws {
        #expect(ReferrersTagSchema.subject(of: ReferrersTagSchema.tag(for: subject)) == subject)
        #expect(ReferrersTagSchema.subject(of: try Tag(parsing: "sha256-" + String(repeating: "a", count: 64) + ".sig")) == nil)
        #expect(ReferrersTagSchema.subject(of: try Tag(parsing: "v1.0")) == nil)
        #expect(ReferrersTagSchema.subject(of: try Tag(parsing: "sha256-abc")) == nil)
    }

    @Test func addingAppendsAndNeverDuplicates() {
        let first = ReferrersTagSchema.adding(referrer(1), to: nil)
        let both = ReferrersTagSchema.adding(referrer(2), to: first)
        #expect(both.manifests.map(\.digest) == [referrer(1).digest, referrer(2).digest])
        let again = ReferrersTagSchema.adding(referrer(1, type: "application/spdx+json"), to: both)
        #expect(again.manifests.map(\.digest) == [referrer(1).digest, referrer(2).digest])
        #expect(again.manifests.first?.artifactType?.rawValue == "application/spdx+json")
    }

    @Test func removingDropsOnlyThatReferrer() {
        let both = ReferrersTagSchema.adding(referrer(2), to: ReferrersTagSchema.adding(referrer(1), to: nil))
        #expect(ReferrersTagSchema.removing(referrer(1).digest, from: both).manifests == [referrer(2)])
        #expect(ReferrersTagSchema.removing(subject, from: both) == both)
    }

    @Test func anIndexWrittenIsReadBackWithItsArtifactTypesAndAnnotations() throws {
        let index = ReferrersTagSchema.adding(referrer(2), to: ReferrersTagSchema.adding(referrer(1), to: nil))
        let read = try ReferrersTagSchema.index(parsing: Array(try index.encoded()), contentType: MediaType.ociImageIndex.rawValue)
        #expect(read == index)
    }

    @Test func aReferrersEntryFallsBackToTheConfigMediaTypeAndCarriesEveryAnnotation() throws {
        let config = referrer(4)
        let text = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.example.sbom.config","digest":"\#(config.digest)","size":4},"layers":[],"annotations":{"a":"1","b":"2"}}"#
        let manifest = try Manifest(parsing: Array(text.utf8), contentType: MediaType.ociImageManifest.rawValue)
        let entry = manifest.referrerDescriptor(digest: subject, size: Int64(text.utf8.count))
        #expect(entry.artifactType?.rawValue == "application/vnd.example.sbom.config")
        #expect(entry.annotations == ["a": "1", "b": "2"])
        #expect(entry.mediaType == .ociImageManifest)
        #expect(entry.size == Int64(text.utf8.count))
    }

    @Test func aTagHoldingAnImageManifestIsNotAReferrersIndex() throws {
        let config = referrer(3)
        let text = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(config.digest)","size":3},"layers":[]}"#
        #expect(throws: ValidationError.self) {
            try ReferrersTagSchema.index(parsing: Array(text.utf8), contentType: MediaType.ociImageManifest.rawValue)
        }
    }
}
