import BerthModel
import Testing

/// Error descriptions are what the API puts in its error bodies: one line, naming the value.
@Suite struct ValidationErrorTests {
    @Test(arguments: [
        ValidationError.invalidDigest("sha256:zz", reason: "r"), .unsupportedDigestAlgorithm("md5:00"),
        .invalidRepositoryName("A", reason: "r"), .invalidTag("-t", reason: "r"), .invalidReference("x", reason: "r"),
        .invalidMediaType("a", reason: "r"), .unsupportedMediaType("a/b"), .manifestTooLarge(size: 5, limit: 4),
        .invalidManifest("layers[2].digest: r"),
    ])
    func descriptionIsOneNonEmptyLine(error: ValidationError) {
        #expect(!error.description.isEmpty && !error.description.contains("\n"))
    }

    @Test func descriptionQuotesTheValueAndGivesTheReason() {
        #expect(ValidationError.invalidTag("-t", reason: "must start with a letter, digit or '_'").description
            == #"invalid tag "-t": must start with a letter, digit or '_'"#)
    }

    @Test func descriptionCutsAHugeValueShort() {
        let error = ValidationError.invalidRepositoryName(String(repeating: "A", count: 100_000), reason: "r")
        #expect(error.description.count < 300)
    }

    @Test func tooLargeNamesSizeAndLimit() {
        #expect(ValidationError.manifestTooLarge(size: 5_000_000, limit: 4_194_304).description == "manifest of 5000000 bytes is over the limit of 4194304 bytes")
    }

    @Test func descriptionEscapesControlCharactersSoItStaysOneLine() {
        #expect(ValidationError.invalidTag("a\nb\"c", reason: "r").description == #"invalid tag "a\nb\"c": r"#)
    }
}
