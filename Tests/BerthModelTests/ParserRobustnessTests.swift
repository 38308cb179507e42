import BerthModel
import Testing

/// Any input gives a value or a `ValidationError`, never a crash: a fast, deterministic floor
/// under the libFuzzer targets in `Fuzz/`. Each loop must see both outcomes, so it is known to
/// reach past the first check.
@Suite struct ParserRobustnessTests {
    static let fixtures = Fixtures.all.map { Array($0.utf8) }
    static let contentTypes: [String?] = [nil, "", MediaType.ociImageManifest.rawValue, MediaType.ociImageIndex.rawValue,
                                          MediaType.dockerManifest.rawValue, MediaType.dockerManifestList.rawValue]

    /// Parses and tallies: true when a manifest came out. Any error other than a
    /// `ValidationError` cannot happen (the initialiser's typed throws says so).
    static func parses(_ bytes: [UInt8], contentType: String?) -> Bool {
        do throws(ValidationError) {
            let manifest = try Manifest(parsing: bytes, contentType: contentType)
            _ = (manifest.artifactType, manifest.requiredBlobs, manifest.childManifests)
            return true
        } catch {
            _ = error.description
            return false
        }
    }

    @Test func mutatedFixturesGiveAManifestOrAValidationError() {
        var random = SeededGenerator(seed: 0x5EED_0001)
        var outcomes: [Bool: Int] = [:]
        for round in 0..<3000 {
            var bytes = Self.fixtures[round % Self.fixtures.count]
            switch random.below(5) {
            case 0: bytes[random.below(bytes.count)] = random.byte()
            case 1: bytes.removeSubrange(random.below(bytes.count)...)
            case 2: bytes.insert(random.byte(), at: random.below(bytes.count))
            case 3: bytes.remove(at: random.below(bytes.count))
            default:
                // A byte from the JSON alphabet: mutations that keep the document JSON more often.
                let alphabet = Array(#"{}[]":,0123456789-.eE truefalsnl\"#.utf8)
                bytes[random.below(bytes.count)] = alphabet[random.below(alphabet.count)]
            }
            let contentType = Self.contentTypes[random.below(Self.contentTypes.count)]
            outcomes[Self.parses(bytes, contentType: contentType), default: 0] += 1
        }
        #expect(outcomes[true, default: 0] > 0)
        #expect(outcomes[false, default: 0] > 0)
    }

    @Test func randomBytesGiveAManifestOrAValidationError() {
        var random = SeededGenerator(seed: 0x5EED_0002)
        var refused = 0
        for _ in 0..<2000 {
            let bytes = (0..<random.below(200)).map { _ in random.byte() }
            if !Self.parses(bytes, contentType: Self.contentTypes[random.below(Self.contentTypes.count)]) { refused += 1 }
        }
        // Random bytes are (almost) never a manifest; the loop checks they never crash.
        #expect(refused > 0)
    }

    @Test func randomStringsGiveAValueOrAValidationErrorFromEveryStringParser() {
        var random = SeededGenerator(seed: 0x5EED_0003)
        let alphabet = Array("abcfz09AZ._-_/:+=@;\"\\ \t\né\u{0000}\u{0301}\u{212A}".unicodeScalars)
        let seeds = ["sha256:" + String(repeating: "a", count: 64), "library/ubuntu", "v1.0", "text/plain; charset=utf-8", "a__b/c--d"]
        var accepted: [String: Set<Bool>] = [:]
        func record(_ parser: String, _ outcome: () throws(ValidationError) -> Void) {
            do throws(ValidationError) {
                try outcome()
                accepted[parser, default: []].insert(true)
            } catch {
                accepted[parser, default: []].insert(false)
            }
        }
        for round in 0..<4000 {
            var scalars = Array(seeds[round % seeds.count].unicodeScalars)
            // Mostly mutate a valid seed (so every parser sees both outcomes), sometimes pure noise.
            if round % 4 == 0 {
                scalars = (0..<random.below(40)).map { _ in alphabet[random.below(alphabet.count)] }
            } else if random.below(2) == 0, !scalars.isEmpty {
                scalars[random.below(scalars.count)] = alphabet[random.below(alphabet.count)]
            }
            let text = String(String.UnicodeScalarView(scalars))
            record("digest") { () throws(ValidationError) in _ = try Digest(parsing: text) }
            record("repository") { () throws(ValidationError) in _ = try RepositoryName(parsing: text) }
            record("tag") { () throws(ValidationError) in _ = try BerthModel.Tag(parsing: text) }
            record("reference") { () throws(ValidationError) in _ = try Reference(parsing: text) }
            record("media type") { () throws(ValidationError) in _ = try MediaType(validating: text) }
        }
        for parser in ["digest", "repository", "tag", "reference", "media type"] {
            #expect(accepted[parser] == [true, false], "\(parser)")
        }
    }
}
