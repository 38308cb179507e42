import BerthModel
import Testing

/// Names, tags, digests and references, straight from the grammars of the OCI specs.
@Suite struct GrammarTests {
    static let hex64 = String(repeating: "a1", count: 32)
    static let hex128 = String(repeating: "0f", count: 64)

    // MARK: Repository names

    @Test(arguments: [
        "a", "library/ubuntu", "a.b_c-d/e", "a--b", "a__b", "a-----b", "0", "team/sub/deep/name",
        "a/manifests", "x/blobs/uploads", String(repeating: "a", count: 255),
    ])
    func validRepositoryNamesAreAccepted(name: String) throws {
        #expect(try RepositoryName(parsing: name).value == name)
    }

    @Test(arguments: [
        "", "A", "Library/ubuntu", "a___b", "a..b", "a._b", "-a", "a-", "a_", ".a", "a//b", "/a", "a/",
        "a b", "a\tb", "é", "a:b", "a@b", String(repeating: "a", count: 256), "a/-b", "a/b.",
    ])
    func invalidRepositoryNamesAreRejected(name: String) {
        #expect(throws: ValidationError.self) { try RepositoryName(parsing: name) }
    }

    @Test func repositoryNameComponentsSplitOnSlash() throws {
        #expect(try RepositoryName(parsing: "a/b/c").components == ["a", "b", "c"])
    }

    // MARK: Tags

    @Test(arguments: ["latest", "v1.0.0", "_private", "1", "A-b_c.d", "a.", String(repeating: "x", count: 128)])
    func validTagsAreAccepted(tag: String) throws {
        #expect(try Tag(parsing: tag).value == tag)
    }

    @Test(arguments: ["", ".hidden", "-dash", "a:b", "a/b", "a b", "ü", "a@b", String(repeating: "x", count: 129)])
    func invalidTagsAreRejected(tag: String) {
        #expect(throws: ValidationError.self) { try Tag(parsing: tag) }
    }

    // MARK: Digests

    @Test func sha256DigestRoundTripsThroughItsRawBytes() throws {
        let digest = try Digest(parsing: "sha256:\(Self.hex64)")
        #expect(digest.algorithm == .sha256)
        #expect(digest.encoded == Self.hex64)
        #expect(digest.rawBytes.count == 32)
        #expect(try Digest(algorithm: .sha256, rawBytes: digest.rawBytes) == digest)
        #expect(digest.description == "sha256:\(Self.hex64)")
    }

    @Test func sha512DigestIsAccepted() throws {
        let digest = try Digest(parsing: "sha512:\(Self.hex128)")
        #expect(digest.algorithm == .sha512)
        #expect(digest.rawBytes.count == 64)
    }

    @Test(arguments: [
        "sha256:\(String(repeating: "A1", count: 32))",   // uppercase hex
        "sha256:\(String(repeating: "a", count: 63))",    // short
        "sha256:\(String(repeating: "a", count: 65))",    // long
        "sha256:\(String(repeating: "g", count: 64))",    // not hex
        "sha512:\(String(repeating: "a", count: 64))",    // sha512 of sha256 length
        "sha256:", ":abc", "sha256", "", "sha256::\(String(repeating: "a", count: 64))",
        "SHA256:\(String(repeating: "a", count: 64))", "sha256+:abc", "+sha256:abc", "sha256:ab c",
    ])
    func malformedDigestsAreInvalidDigest(text: String) {
        #expect {
            try Digest(parsing: text)
        } throws: { error in
            guard case ValidationError.invalidDigest = error else { return false }
            return true
        }
    }

    @Test(arguments: ["md5:d41d8cd98f00b204e9800998ecf8427e", "blake3:abcd", "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564", "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8"])
    func wellFormedDigestsOfOtherAlgorithmsAreUnsupported(text: String) {
        #expect(throws: ValidationError.unsupportedDigestAlgorithm(text)) { try Digest(parsing: text) }
    }

    @Test func rawBytesOfTheWrongLengthAreRejected() {
        #expect(throws: ValidationError.self) { try Digest(algorithm: .sha256, rawBytes: [UInt8](repeating: 0, count: 31)) }
    }

    @Test func digestsCodeAsTheirString() throws {
        let digest = try Digest(parsing: "sha256:\(Self.hex64)")
        let data = try JSONEncoder().encode([digest])
        #expect(String(decoding: data, as: UTF8.self) == #"["sha256:\#(Self.hex64)"]"#)
        #expect(try JSONDecoder().decode([Digest].self, from: data) == [digest])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Digest].self, from: Data(#"["sha256:zz"]"#.utf8)) }
    }

    // MARK: References

    @Test func referenceWithAColonIsADigest() throws {
        #expect(try Reference(parsing: "sha256:\(Self.hex64)") == .digest(try Digest(parsing: "sha256:\(Self.hex64)")))
    }

    @Test func referenceWithoutAColonIsATag() throws {
        #expect(try Reference(parsing: "v1") == .tag(try Tag(parsing: "v1")))
    }

    @Test func referenceThatIsNeitherIsRejected() {
        #expect(throws: ValidationError.self) { try Reference(parsing: "sha256:nothex") }
        #expect(throws: ValidationError.self) { try Reference(parsing: "-bad") }
    }

    // MARK: Media types

    @Test(arguments: ["application/vnd.oci.image.manifest.v1+json", "text/plain; charset=utf-8", "application/spdx+json", "a/b"])
    func validMediaTypesAreAccepted(type: String) throws {
        #expect(try MediaType(validating: type).rawValue == type)
    }

    @Test(arguments: ["", "application", "application/", "/json", "a/b/c", "application/json(x)", "-a/b", "a/" + String(repeating: "x", count: 128)])
    func invalidMediaTypesAreRejected(type: String) {
        #expect(throws: ValidationError.self) { try MediaType(validating: type) }
    }

    @Test func essenceDropsParametersAndCase() {
        #expect(MediaType(rawValue: "Application/VND.OCI.Image.Manifest.v1+JSON ; charset=utf-8").essence == "application/vnd.oci.image.manifest.v1+json")
    }
}

import Foundation

@Suite struct GlobPatternTests {
    @Test(arguments: [
        ("app", "app", true), ("app", "apps", false), ("team/*", "team/api", true), ("team/*", "team/a/b", false),
        ("team/**", "team/a/b", true), ("**", "anything/at/all", true), ("v*", "v1.2.3", true), ("v*", "1.0", false),
        ("release-?", "release-1", true), ("release-?", "release-10", false), ("*", "", true), ("a*b*c", "axxbyyc", true),
        ("a*b*c", "axxbyy", false), ("*/prod", "team/prod", true), ("*/prod", "a/b/prod", false),
    ])
    func globsMatchAsDocumented(pattern: String, text: String, expected: Bool) {
        #expect(GlobPattern(pattern).matches(text) == expected)
    }
}

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

@Suite struct RangeHeaderTests {
    @Test(arguments: [
        ("bytes=0-99", 1000, ByteRange(start: 0, end: 99)), ("bytes=900-", 1000, ByteRange(start: 900, end: 999)),
        ("bytes=-10", 1000, ByteRange(start: 990, end: 999)), ("bytes=500-5000", 1000, ByteRange(start: 500, end: 999)),
        ("bytes=-5000", 1000, ByteRange(start: 0, end: 999)),
    ] as [(String, Int64, ByteRange)])
    func rangesResolveAgainstTheSize(header: String, size: Int64, expected: ByteRange) throws {
        #expect(try ByteRange.parse(header, size: size) == expected)
    }

    @Test(arguments: ["items=0-1", "bytes=a-b", "bytes=5-1", "bytes=0-1,3-4", "bytes=", "bytes=-0", "bytes=-"])
    func malformedOrMultipleRangesMeanTheWholeBlob(header: String) throws {
        #expect(try ByteRange.parse(header, size: 1000) == nil)
    }

    @Test func aRangePastTheEndIsUnsatisfiable() {
        #expect(throws: ByteRange.Unsatisfiable.self) { try ByteRange.parse("bytes=1000-", size: 1000) }
        #expect(throws: ByteRange.Unsatisfiable.self) { try ByteRange.parse("bytes=-1", size: 0) }
    }

    @Test(arguments: [("0-99", 0, 99), ("bytes 100-199/1000", 100, 199), ("5-4", 5, 4)] as [(String, Int64, Int64)])
    func contentRangesParse(header: String, start: Int64, end: Int64) throws {
        let range = try #require(ContentRange(parsing: header))
        #expect(range.start == start && range.end == end)
    }

    @Test(arguments: ["", "0-", "-5", "a-b", "10-5", "0-1-2", "bytes=0-1"])
    func malformedContentRangesAreRefused(header: String) {
        #expect(ContentRange(parsing: header) == nil)
    }
}
