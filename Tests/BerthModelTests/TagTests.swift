import BerthModel
import Foundation
import Testing

/// Tags: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}` (distribution spec).
@Suite struct TagTests {
    @Test(arguments: [
        "latest", "v1.0.0", "1", "_", "_private", "A-b_c.d", "a.", "a-", "a..b", "a--b", "a__b",
        "sha256-\(String(repeating: "ab", count: 32)).sig",       // cosign's tag scheme
        String(repeating: "x", count: 128),                       // exactly the limit
    ])
    func validTagIsAcceptedAsWritten(tag: String) throws {
        #expect(try Tag(parsing: tag).value == tag)
    }

    @Test(arguments: [
        "",
        String(repeating: "x", count: 129),                       // one past the limit
        ".hidden", "-dash",                                        // first character
        "a:b", "a/b", "a@b", "a+b", "a~b",
        " a", "a ", "a b", "a\tb", "a\n",
        "ü", "vé", "ｖ1", "v1\u{0301}", "a\u{0000}",
    ])
    func invalidTagIsRejected(tag: String) {
        let error = #expect(throws: ValidationError.self) { try Tag(parsing: tag) }
        #expect(error?.case == .invalidTag)
    }

    @Test func tagDescriptionIsTheTag() throws {
        #expect(try Tag(parsing: "v1.2").description == "v1.2")
    }

    @Test func tagEncodesAsItsString() throws {
        #expect(String(decoding: try JSONEncoder().encode([Tag(parsing: "v1")]), as: UTF8.self) == #"["v1"]"#)
    }

    @Test func tagDecodesFromItsString() throws {
        #expect(try JSONDecoder().decode([BerthModel.Tag].self, from: Data(#"["v1"]"#.utf8)) == [Tag(parsing: "v1")])
    }

    @Test func invalidTagFailsToDecodeWithADecodingError() {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([BerthModel.Tag].self, from: Data(#"["-v1"]"#.utf8)) }
    }
}
