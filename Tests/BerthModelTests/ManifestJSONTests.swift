import BerthModel
import Testing

/// A manifest must be one strictly valid JSON text (RFC 8259) everywhere, even in fields the
/// registry ignores, with no duplicate keys: clients must read it exactly as the registry does.
@Suite struct ManifestJSONTests {
    typealias F = Fixtures

    /// The OCI image fixture with `value` as an unknown top-level field.
    static func withUnknownField(_ value: String) -> String {
        F.replacing(#""schemaVersion": 2,"#, with: #""schemaVersion": 2, "x-unknown": \#(value),"#, in: F.ociImage)
    }

    static func reason(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        let error = #expect(throws: ValidationError.self, sourceLocation: sourceLocation) { try Manifest(parsing: bytes, contentType: nil) }
        return error?.manifestReason
    }

    @Test(arguments: [
        "-", "1.", "01", "-01", "+1", ".5", "1e", "1e+", "0x10", "NaN", "Infinity", "tru", "nul", "True",
        #""\q""#, #""\x41""#, #""\u12""#, #""\u12g4""#, "\"a\u{01}b\"", "\"tab\there\"",
        #""\ud800""#, #""\udc00""#, #""\ud800\u0041""#, #""\ud800x""#, "'single'", #""unterminated"#,
        "[1,]", "[,1]", "[1 2]", #"{"a":1,}"#, #"{"a"}"#, #"{"a" 1}"#, "{a:1}", #"{"a":1 "b":2}"#, "[}", "{]",
    ])
    func invalidJSONInAnUnknownFieldIsRefused(value: String) {
        #expect(Self.reason(Array(Self.withUnknownField(value).utf8))?.hasPrefix("not valid JSON") == true)
    }

    @Test(arguments: [
        [0xFF] as [UInt8], [0xC3], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80],
    ])
    func invalidUTF8InAStringIsRefused(sequence: [UInt8]) {
        let parts = Self.withUnknownField(#""<>""#).split(separator: "<>", maxSplits: 1)
        let bytes = Array(parts[0].utf8) + sequence + Array(parts[1].utf8)
        #expect(Self.reason(bytes)?.hasPrefix("not valid JSON: invalid UTF-8") == true)
    }

    @Test(arguments: [
        "0", "-0", "-0.5e+10", "1E-2", "123456789012345678901234567890", "true", "false", "null", "[]", "{}",
        "[[{}], {\"a\": [null]}]", " [ 1 ,\t2 ,\r\n3 ] ",
        #""\ud83d\ude00""#, #""\u00e9\/\b\f\n\r\t\"\\""#, "\"é😀\u{7F}\"", #""""#,
    ])
    func validJSONOfEveryKindInAnUnknownFieldIsAccepted(value: String) throws {
        #expect(try F.parse(Self.withUnknownField(value)).kind == .ociImageManifest)
    }

    @Test func whitespaceAroundTheDocumentIsAccepted() throws {
        #expect(try F.parse(" \r\n\t" + F.ociIndex + "\n ").kind == .ociImageIndex)
    }

    @Test(arguments: [" x", "{}", " {}", "\u{0000}"])
    func anythingAfterTheDocumentIsRefused(trailer: String) {
        #expect(Self.reason(Array((F.ociImage + trailer).utf8))?.hasPrefix("not valid JSON: unexpected") == true)
    }

    @Test func leadingByteOrderMarkIsRefused() {
        #expect(Self.reason([0xEF, 0xBB, 0xBF] + Array(F.ociImage.utf8))?.hasPrefix("not valid JSON") == true)
    }

    @Test func duplicateTopLevelKeyIsRefused() {
        let text = F.replacing(#""schemaVersion": 2,"#, with: #""schemaVersion": 2, "layers": [],"#, in: F.ociImage)
        #expect(Self.reason(Array(text.utf8)) == #"document: duplicate key "layers""#)
    }

    @Test func duplicateKeyInADescriptorIsRefusedWithItsPath() {
        let text = F.replacing(#""size": 12,"#, with: #""size": 12, "digest": "\#(F.layer1Digest)","#, in: F.ociImage)
        #expect(Self.reason(Array(text.utf8)) == #"layers[1]: duplicate key "digest""#)
    }

    @Test func keysSpelledWithEscapesAreStillDuplicates() {
        let text = F.replacing(#""schemaVersion": 2,"#, with: #""schemaVersion": 2, "l\u0061yers": [],"#, in: F.ociImage)
        #expect(Self.reason(Array(text.utf8)) == #"document: duplicate key "layers""#)
    }

    @Test func theSameKeyInSiblingObjectsIsNoDuplicate() throws {
        #expect(try F.parse(#"{"schemaVersion":2,"x":[{"a":1},{"a":2}],"y":{"a":{"a":3}},"manifests":[]}"#).kind == .ociImageIndex)
    }

    @Test func nestingOf128LevelsIsAccepted() throws {
        // The document itself is the first level.
        let value = String(repeating: "[", count: 127) + String(repeating: "]", count: 127)
        #expect(try F.parse(Self.withUnknownField(value)).kind == .ociImageManifest)
    }

    @Test func nestingDeeperThan128LevelsIsRefused() {
        let value = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        #expect(Self.reason(Array(Self.withUnknownField(value).utf8))?.hasPrefix("not valid JSON: nested deeper than 128 levels") == true)
    }

    @Test func aHugeObjectOfDistinctKeysIsCheckedInLinearTime() throws {
        // Quadratic duplicate detection would take minutes here. Judged by how the time grows
        // with ten times the keys (linear: about 10 x; quadratic: about 100 x), measured in the
        // same run and the best of three, never against a wall-clock budget a loaded machine
        // may miss.
        func best(_ count: Int) throws -> Duration {
            let members = (0..<count).map { #""k\#($0)":"v""# }.joined(separator: ",")
            let text = Self.withUnknownField("{\(members)}")
            let clock = ContinuousClock()
            return try (0..<3).map { _ in try clock.measure { _ = try F.parse(text) } }.min() ?? .zero
        }
        let small = try best(10_000)
        let large = try best(100_000)
        #expect(large < small * 40, "10 000 keys: \(small), 100 000 keys: \(large)")
    }
}
