import BerthModel
import Testing

/// Any input gives a value or a `ValidationError`: never a crash. (The fuzz targets of a later
/// issue push this much further; this is the fast, deterministic floor that runs everywhere.)
@Suite struct ParserRobustnessTests {
    /// xorshift64: deterministic, so a failure reproduces.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

    static let fixtures = [ManifestParsingTests.ociImage, ManifestParsingTests.ociIndex, ManifestParsingTests.dockerManifest,
                           ManifestParsingTests.dockerList, ManifestParsingTests.cosignStyleArtifact].map { Array($0.utf8) }

    @Test func mutatedManifestsGiveAValueOrAValidationError() {
        var random = Generator(state: 0x9E37_79B9_7F4A_7C15)
        var accepted = 0
        var refused = 0
        for round in 0..<4000 {
            var bytes = Self.fixtures[round % Self.fixtures.count]
            switch random.below(4) {
            case 0: bytes[random.below(bytes.count)] = UInt8(truncatingIfNeeded: random.next())
            case 1: bytes.removeSubrange(random.below(bytes.count)...)
            case 2: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: random.below(bytes.count))
            default: bytes = (0..<random.below(300)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            }
            do {
                _ = try Manifest(parsing: bytes, contentType: random.below(2) == 0 ? nil : "application/vnd.oci.image.manifest.v1+json")
                accepted += 1
            } catch {
                refused += 1
            }
        }
        // Both outcomes occur: the mutations are neither all harmless nor all fatal.
        #expect(accepted > 0)
        #expect(refused > 0)
    }

    @Test func randomStringsGiveAValueOrAValidationError() {
        var random = Generator(state: 42)
        let alphabet = Array("abcAZ09._-/:+=@ \u{00e9}\u{0000}sha256".unicodeScalars)
        var outcomes = Set<Bool>()
        for _ in 0..<5000 {
            let text = String(String.UnicodeScalarView((0..<random.below(80)).map { _ in alphabet[random.below(alphabet.count)] }))
            outcomes.insert((try? RepositoryName(parsing: text)) != nil)
            _ = try? Tag(parsing: text)
            _ = try? Digest(parsing: text)
            _ = try? Reference(parsing: text)
            _ = try? MediaType(validating: text)
        }
        #expect(outcomes == [true, false])
    }
}
