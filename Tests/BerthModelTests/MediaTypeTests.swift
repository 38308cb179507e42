import BerthModel
import Foundation
import Testing

/// Media types: RFC 6838 `type "/" subtype` (restricted names, 1–127 characters, starting with
/// a letter or digit), with RFC 9110 parameters; compared by essence.
@Suite struct MediaTypeTests {
    static let name127 = "a" + String(repeating: "b", count: 126)

    @Test(arguments: [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/spdx+json", "text/spdx", "a/b", "A/B", "0/9",
        "application/vnd.a!b#c$d&e^f_g.h+i-j",                   // every restricted-name character
        "\(name127)/\(name127)",                                 // both at the limit
        "text/plain; charset=utf-8", "text/plain;charset=utf-8", "text/plain ; charset=utf-8",
        "text/plain;\tcharset=utf-8", "application/json; a=1; b=2",
        #"text/plain; charset="utf-8""#, #"multipart/mixed; boundary="a b\"c""#, #"a/b; x="""#,
        "text/plain;", "text/plain; ;a=b",                       // RFC 9110 allows empty parameters
    ])
    func validMediaTypeIsAcceptedAsWritten(type: String) throws {
        #expect(try MediaType(validating: type).rawValue == type)
    }

    @Test(arguments: [
        "", " ", "application", "application/", "/json", "/", "a/b/c",
        "a/" + String(repeating: "x", count: 128),               // subtype one past the limit
        String(repeating: "x", count: 128) + "/a",               // type one past the limit
        "-a/b", ".a/b", "a/+json", "a/_b",                       // must start with a letter or digit
        " a/b", "a/b ", "a /b", "a/ b", "a/b\n", "\ta/b",          // whitespace outside parameters
        "application/json(x)", "a/b@c", "a/b*", "a%/b", "a/b,c/d",
        "applicätion/json", "text/plaın", "a/\u{0000}",           // non-ASCII and control
        "a/b;c", "a/b; c=", "a/b; =c", "a/b; c=d e", "a/b; c=\"d", #"a/b; c="\"#, "a/b; c=\"\u{0001}\"",
        "a/b x",
    ])
    func invalidMediaTypeIsRejected(type: String) {
        let error = #expect(throws: ValidationError.self) { try MediaType(validating: type) }
        #expect(error?.case == .invalidMediaType)
    }

    @Test(arguments: [
        ("application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.manifest.v1+json"),
        ("Application/VND.OCI.Image.Manifest.v1+JSON", "application/vnd.oci.image.manifest.v1+json"),
        ("text/plain; charset=UTF-8", "text/plain"),
        ("  text/plain\t;charset=utf-8", "text/plain"),
        ("", ""),
    ])
    func essenceIsTheLowercasedTypeAndSubtypeWithoutParameters(raw: String, essence: String) {
        #expect(MediaType(rawValue: raw).essence == essence)
    }

    @Test func essenceFoldsOnlyASCIILetters() {
        // KELVIN SIGN lowercases to "k" in Unicode; folding it would turn this into a Docker type.
        #expect(MediaType(rawValue: "application/vnd.doc\u{212A}er.distribution.manifest.v2+json").isManifest == false)
    }

    @Test(arguments: [
        MediaType.ociImageManifest, .ociImageIndex, .dockerManifest, .dockerManifestList,
        "application/vnd.oci.image.index.v1+json; charset=utf-8", "APPLICATION/vnd.docker.distribution.manifest.v2+json",
    ])
    func acceptedManifestTypesAreManifests(type: MediaType) {
        #expect(type.isManifest)
    }

    @Test(arguments: [
        MediaType.dockerManifestSchema1, .dockerManifestSchema1Signed, .ociImageConfig, .ociEmpty,
        "application/vnd.oci.artifact.manifest.v1+json", "application/json", "",
    ])
    func otherTypesAreNotManifests(type: MediaType) {
        #expect(!type.isManifest)
    }

    @Test func constantsAreSpelledAsTheSpecsSpellThem() {
        #expect(MediaType.ociImageManifest.rawValue == "application/vnd.oci.image.manifest.v1+json")
        #expect(MediaType.ociImageIndex.rawValue == "application/vnd.oci.image.index.v1+json")
        #expect(MediaType.dockerManifest.rawValue == "application/vnd.docker.distribution.manifest.v2+json")
        #expect(MediaType.dockerManifestList.rawValue == "application/vnd.docker.distribution.manifest.list.v2+json")
        #expect(MediaType.dockerManifestSchema1.rawValue == "application/vnd.docker.distribution.manifest.v1+json")
        #expect(MediaType.dockerManifestSchema1Signed.rawValue == "application/vnd.docker.distribution.manifest.v1+prettyjws")
        #expect(MediaType.ociEmpty.rawValue == "application/vnd.oci.empty.v1+json")
        #expect(MediaType.ociImageConfig.rawValue == "application/vnd.oci.image.config.v1+json")
        #expect(MediaType.dockerImageConfig.rawValue == "application/vnd.docker.container.image.v1+json")
        #expect(MediaType.dockerForeignLayer.rawValue == "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip")
        #expect(MediaType.ociNondistributableLayers.map(\.rawValue) == [
            "application/vnd.oci.image.layer.nondistributable.v1.tar",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
        ])
    }

    @Test func everyConstantIsAValidMediaType() throws {
        let constants: [MediaType] = [.ociImageManifest, .ociImageIndex, .dockerManifest, .dockerManifestList, .dockerManifestSchema1,
                                      .dockerManifestSchema1Signed, .ociEmpty, .ociImageConfig, .dockerImageConfig, .dockerForeignLayer]
            + MediaType.ociNondistributableLayers
        for constant in constants {
            #expect(try MediaType(validating: constant.rawValue) == constant, "\(constant)")
        }
        // The check is not a formality: a malformed type is refused.
        #expect(throws: (any Error).self) { try MediaType(validating: "application/") }
    }

    @Test func mediaTypeEncodesAsItsString() throws {
        let data = try JSONEncoder().encode(MediaType.ociEmpty)
        #expect(try JSONDecoder().decode(String.self, from: data) == MediaType.ociEmpty.rawValue)
    }

    @Test func mediaTypeDecodesFromItsString() throws {
        #expect(try JSONDecoder().decode(MediaType.self, from: Data(#""text/plain""#.utf8)) == "text/plain")
    }
}
