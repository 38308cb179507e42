import BerthModel
import Foundation
import Testing

/// Digests: `algorithm ":" encoded` (image spec, descriptor.md), sha256 and sha512 only.
@Suite struct DigestTests {
    static let hex64 = "b79606fb3afea5bd1609ed40b622142f1c98125abcfe89a76a661b0e8e343910"
    static let hex128 = String(repeating: "0123456789abcdef", count: 8)

    // MARK: Accepted

    @Test func sha256DigestIsParsedIntoAlgorithmAndEncoded() throws {
        let digest = try Digest(parsing: "sha256:\(Self.hex64)")
        #expect(digest.algorithm == .sha256)
        #expect(digest.encoded == Self.hex64)
    }

    @Test func sha512DigestIsParsedIntoAlgorithmAndEncoded() throws {
        let digest = try Digest(parsing: "sha512:\(Self.hex128)")
        #expect(digest.algorithm == .sha512)
        #expect(digest.encoded == Self.hex128)
    }

    @Test func descriptionIsAlgorithmColonEncoded() throws {
        #expect(try Digest(parsing: "sha256:\(Self.hex64)").description == "sha256:\(Self.hex64)")
    }

    @Test func aSubstringIsParsedLikeAString() throws {
        let path = "/v2/app/blobs/sha256:\(Self.hex64)"
        let suffix = path[path.index(path.startIndex, offsetBy: 14)...]
        #expect(try Digest(parsing: suffix) == Digest(parsing: "sha256:\(Self.hex64)"))
    }

    // MARK: Refused

    @Test(arguments: [
        "",
        "sha256",
        "sha256:",
        ":\(hex64)",
        "sha256::\(hex64)",
        "sha256:\(hex64.uppercased())",                            // uppercase hex: the spec forbids it
        "sha256:\(hex64.dropLast())B",                             // one uppercase digit
        "sha256:\(hex64.dropLast())",                              // 63 characters
        "sha256:\(hex64)0",                                        // 65 characters
        "sha256:\(String(repeating: "g", count: 64))",             // encoded grammar, not hex
        "sha256:\(String(repeating: "=", count: 64))",
        "sha256:\(hex64.dropLast(2))_-",                           // encoded grammar, not hex
        "sha512:\(hex64)",                                         // a sha256 length for sha512
        "sha512:\(hex128.dropLast())",                             // 127 characters
        "sha512:\(hex128)a",                                       // 129 characters
        "SHA256:\(hex64)",                                         // algorithm components are lowercase
        "Sha256:\(hex64)",
        "sha256+:\(hex64)",                                        // separator without a component after it
        "+sha256:\(hex64)",
        "sha256..b64:\(hex64)",                                    // two separators in a row
        "sha 256:\(hex64)",
        " sha256:\(hex64)",                                        // whitespace
        "sha256:\(hex64) ",
        "sha256:\(hex64)\n",
        "sha256:\t\(hex64)",
        "sha256:\(hex64.dropLast())é",                             // non-ASCII
        "sha256:\(hex64.dropLast())\u{0663}",                      // Arabic-Indic digit three
        "sha256:\(hex64.dropLast(2))\u{FF41}",                     // fullwidth a
        "shа256:\(hex64)",                                         // Cyrillic а in the algorithm
        "sha256:\(hex64.dropLast())\u{0000}",
        "sha256:abc/def",
        "sha256:abc:def",
    ])
    func malformedDigestIsInvalidDigest(text: String) {
        let error = #expect(throws: ValidationError.self) { try Digest(parsing: text) }
        #expect(error?.case == .invalidDigest)
    }

    @Test(arguments: [
        "md5:d41d8cd98f00b204e9800998ecf8427e",
        "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "sha384:\(String(repeating: "a", count: 96))",
        "blake3:af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
        "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564",
        "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8",
        "sha-256:\(hex64)",
        "sha_256:\(hex64)",
        "a:A",
        "sha256.v2:abc=",
    ])
    func wellFormedDigestOfAnotherAlgorithmIsUnsupported(text: String) {
        #expect(throws: ValidationError.unsupportedDigestAlgorithm(text)) { try Digest(parsing: text) }
    }

    @Test func invalidDigestErrorNamesTheDigestAndTheReason() {
        let error = #expect(throws: ValidationError.self) { try Digest(parsing: "sha256:abc") }
        #expect(error == .invalidDigest("sha256:abc", reason: "sha256 needs 64 hex characters, got 3"))
    }

    // MARK: From parts

    @Test func digestFromLowercaseHexPartsEqualsTheParsedOne() throws {
        #expect(try Digest(algorithm: .sha256, encoded: Self.hex64) == Digest(parsing: "sha256:\(Self.hex64)"))
    }

    @Test(arguments: [hex64.uppercased(), String(hex64.dropLast()), "", hex128])
    func digestFromPartsOtherThanLowercaseHexOfTheRightLengthIsInvalid(encoded: String) {
        let error = #expect(throws: ValidationError.self) { try Digest(algorithm: .sha256, encoded: encoded) }
        #expect(error?.case == .invalidDigest)
    }

    @Test func digestFromRawBytesIsTheirLowercaseHex() throws {
        let digest = try Digest(algorithm: .sha256, rawBytes: [0x00, 0x0f, 0xab, 0xff] + [UInt8](repeating: 0x10, count: 28))
        #expect(digest.encoded == "000fabff" + String(repeating: "10", count: 28))
    }

    @Test(arguments: DigestAlgorithm.allCases)
    func rawBytesRoundTrip(algorithm: DigestAlgorithm) throws {
        let bytes = (0..<algorithm.byteCount).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        #expect(try Digest(algorithm: algorithm, rawBytes: bytes).rawBytes == bytes)
    }

    @Test(arguments: [0, 31, 33, 64])
    func rawBytesOfAnotherCountThanTheAlgorithmsAreInvalid(count: Int) {
        let error = #expect(throws: ValidationError.self) {
            try Digest(algorithm: .sha256, rawBytes: [UInt8](repeating: 1, count: count))
        }
        #expect(error?.case == .invalidDigest)
    }

    @Test(arguments: [(DigestAlgorithm.sha256, 64, 32), (.sha512, 128, 64)])
    func algorithmLengthsAreTheHashSizes(algorithm: DigestAlgorithm, hexLength: Int, byteCount: Int) {
        #expect(algorithm.hexLength == hexLength && algorithm.byteCount == byteCount)
    }

    // MARK: Order and coding

    @Test func digestsOrderByTheirString() throws {
        let digests = try ["sha512:\(Self.hex128)", "sha256:\(Self.hex64)", "sha256:\(String(repeating: "0", count: 64))"].map(Digest.init(parsing:))
        #expect(digests.sorted().map(\.description) == digests.map(\.description).sorted())
    }

    @Test func digestEncodesAsItsString() throws {
        let data = try JSONEncoder().encode([Digest(parsing: "sha256:\(Self.hex64)")])
        #expect(String(decoding: data, as: UTF8.self) == #"["sha256:\#(Self.hex64)"]"#)
    }

    @Test func digestDecodesFromItsString() throws {
        let decoded = try JSONDecoder().decode([Digest].self, from: Data(#"["sha256:\#(Self.hex64)"]"#.utf8))
        #expect(decoded == [try Digest(parsing: "sha256:\(Self.hex64)")])
    }

    @Test(arguments: [#"["sha256:zz"]"#, #"["md5:d41d8cd98f00b204e9800998ecf8427e"]"#, "[42]"])
    func invalidDigestFailsToDecodeWithADecodingError(json: String) {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Digest].self, from: Data(json.utf8)) }
    }
}
