import BerthModel
import Foundation
import Testing

/// Repository names: `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`,
/// at most 255 characters (distribution spec).
@Suite struct RepositoryNameTests {
    @Test(arguments: [
        "a", "0", "ubuntu", "library/ubuntu", "team/sub/deep/name",
        "a.b", "a_b", "a__b", "a-b", "a--b", "a-----b",
        "a.b_c-d/e", "a0.b1__c2---d3/e4", "1/2/3",
        "a/manifests", "x/blobs/uploads",                 // endpoint words are fine as components
        String(repeating: "a", count: 255),                // exactly the limit
        String(repeating: "ab/", count: 84) + "abc",       // 255 with slashes
    ])
    func validNameIsAcceptedAsWritten(name: String) throws {
        #expect(try RepositoryName(parsing: name).value == name)
    }

    @Test(arguments: [
        "",
        String(repeating: "a", count: 256),                // one past the limit
        "A", "Library/ubuntu", "library/Ubuntu",           // uppercase
        "a___b", "a..b", "a._b", "a_.b", "a-.b", "a.-b", "a-_b",   // separators outside . _ __ -+
        "-a", "a-", "_a", "a_", ".a", "a.", "__a", "a__",   // separators at the ends
        "a//b", "/a", "a/", "/", "//",                     // empty components
        "a/-b", "a/b.", "a/_b", "a./b", "a-/b",             // separators at component ends
        " a", "a ", "a b", "a\tb", "a\nb", "a\u{0000}b",    // whitespace and control
        "é", "café", "ａ", "a\u{0301}",                     // non-ASCII
        "a:b", "a@b", "a+b", "a%2fb", "a\\b", "a*b",
    ])
    func invalidNameIsRejected(name: String) {
        let error = #expect(throws: ValidationError.self) { try RepositoryName(parsing: name) }
        #expect(error?.case == .invalidRepositoryName)
    }

    @Test func componentsAreTheSlashSeparatedParts() throws {
        #expect(try RepositoryName(parsing: "team/sub/app").components == ["team", "sub", "app"])
    }

    @Test func namesOrderByTheirString() throws {
        let names = try ["b", "a/b", "a"].map(RepositoryName.init(parsing:))
        #expect(names.sorted().map(\.value) == ["a", "a/b", "b"])
    }

    @Test func nameEncodesAsItsString() throws {
        let data = try JSONEncoder().encode(RepositoryName(parsing: "team/app"))
        #expect(try JSONDecoder().decode(String.self, from: data) == "team/app")
    }

    @Test func nameDecodesFromItsString() throws {
        #expect(try JSONDecoder().decode(RepositoryName.self, from: Data(#""team/app""#.utf8)) == RepositoryName(parsing: "team/app"))
    }

    @Test func invalidNameFailsToDecodeWithADecodingError() {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([RepositoryName].self, from: Data(#"["Team/App"]"#.utf8)) }
    }
}
