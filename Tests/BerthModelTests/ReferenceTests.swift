import BerthModel
import Testing

/// References (what follows `/manifests/`): a digest when there is a `:`, else a tag.
@Suite struct ReferenceTests {
    static let digest = "sha256:b79606fb3afea5bd1609ed40b622142f1c98125abcfe89a76a661b0e8e343910"

    @Test func referenceWithAColonIsADigest() throws {
        #expect(try Reference(parsing: Self.digest) == .digest(Digest(parsing: Self.digest)))
    }

    @Test func referenceWithoutAColonIsATag() throws {
        #expect(try Reference(parsing: "v1.0") == .tag(Tag(parsing: "v1.0")))
    }

    @Test(arguments: ["sha256:nothex", "latest:", ":latest", "a:b c", "sha256:\u{0301}"])
    func referenceWithAColonThatIsNoValidDigestGivesTheDigestError(text: String) {
        let error = #expect(throws: ValidationError.self) { try Reference(parsing: text) }
        #expect(error?.case == .invalidDigest)
    }

    @Test func referenceOfAWellFormedDigestOfAnotherAlgorithmIsUnsupported() {
        #expect(throws: ValidationError.unsupportedDigestAlgorithm("md5:d41d8cd98f00b204e9800998ecf8427e")) {
            try Reference(parsing: "md5:d41d8cd98f00b204e9800998ecf8427e")
        }
    }

    @Test(arguments: ["", "-bad", ".v1", "a/b", String(repeating: "x", count: 129), "v 1", "ü"])
    func referenceWithoutAColonThatIsNoValidTagGivesTheTagError(text: String) {
        let error = #expect(throws: ValidationError.self) { try Reference(parsing: text) }
        #expect(error?.case == .invalidTag)
    }

    @Test(arguments: ["v1.0", digest])
    func descriptionIsWhatWasParsed(text: String) throws {
        #expect(try Reference(parsing: text).description == text)
    }
}
