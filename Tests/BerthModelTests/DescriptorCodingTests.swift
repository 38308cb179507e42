import BerthModel
import Foundation
import Testing

/// Descriptors and platforms code with the OCI image spec's keys and leave absent fields out.
@Suite struct DescriptorCodingTests {
    static let digest = "sha256:b79606fb3afea5bd1609ed40b622142f1c98125abcfe89a76a661b0e8e343910"

    static func jsonObject(_ value: some Encodable) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as? [String: Any]
        return try #require(object)
    }

    static func full() throws -> Descriptor {
        Descriptor(mediaType: .ociImageManifest, digest: try Digest(parsing: digest), size: 7143,
                   urls: ["https://example.com/blob"], annotations: ["a": "b"], data: "e30=",
                   artifactType: "application/vnd.example+json",
                   platform: Platform(architecture: "arm64", os: "linux", osVersion: "6.1", osFeatures: ["x"], variant: "v8", features: ["y"]))
    }

    @Test func minimalDescriptorEncodesOnlyMediaTypeDigestAndSize() throws {
        let descriptor = Descriptor(mediaType: .ociEmpty, digest: try Digest(parsing: Self.digest), size: 2)
        #expect(Set(try Self.jsonObject(descriptor).keys) == ["mediaType", "digest", "size"])
    }

    @Test func fullDescriptorEncodesEverySpecKey() throws {
        #expect(Set(try Self.jsonObject(Self.full()).keys) == ["mediaType", "digest", "size", "urls", "annotations", "data", "artifactType", "platform"])
    }

    @Test func descriptorEncodesDigestAndSizeAsTheSpecWritesThem() throws {
        let object = try Self.jsonObject(Self.full())
        #expect(object["digest"] as? String == Self.digest)
        #expect((object["size"] as? NSNumber)?.int64Value == 7143)
    }

    @Test func platformEncodesDottedKeysAndLeavesAbsentFieldsOut() throws {
        #expect(Set(try Self.jsonObject(Self.full().platform).keys) == ["architecture", "os", "os.version", "os.features", "variant", "features"])
        #expect(Set(try Self.jsonObject(Platform(architecture: "amd64", os: "linux")).keys) == ["architecture", "os"])
    }

    @Test func descriptorRoundTripsThroughJSON() throws {
        let descriptor = try Self.full()
        #expect(try JSONDecoder().decode(Descriptor.self, from: JSONEncoder().encode(descriptor)) == descriptor)
    }

    @Test func descriptorWithANegativeSizeFailsToDecode() {
        let json = #"{"mediaType":"a/b","digest":"\#(Self.digest)","size":-1}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Descriptor.self, from: Data(json.utf8)) }
    }
}
