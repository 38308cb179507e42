import BerthModel
import Testing

/// The four manifest kinds and their media types.
@Suite struct ManifestKindTests {
    @Test(arguments: ManifestKind.allCases)
    func kindIsFoundFromItsOwnMediaType(kind: ManifestKind) {
        #expect(ManifestKind(mediaType: kind.mediaType) == kind)
    }

    @Test(arguments: [
        ("application/vnd.oci.image.manifest.v1+json; charset=utf-8", ManifestKind.ociImageManifest),
        ("APPLICATION/VND.OCI.IMAGE.INDEX.V1+JSON", .ociImageIndex),
        (" application/vnd.docker.distribution.manifest.v2+json ", .dockerManifest),
        ("application/vnd.docker.distribution.manifest.list.v2+json;x=y", .dockerManifestList),
    ])
    func kindIsFoundByEssence(type: String, kind: ManifestKind) {
        #expect(ManifestKind(mediaType: MediaType(rawValue: type)) == kind)
    }

    @Test(arguments: [
        MediaType.dockerManifestSchema1, .dockerManifestSchema1Signed, .ociImageConfig, .ociEmpty,
        "application/vnd.oci.artifact.manifest.v1+json", "application/vnd.oci.image.manifest.v1", "",
    ])
    func otherMediaTypesHaveNoKind(type: MediaType) {
        #expect(ManifestKind(mediaType: type) == nil)
    }

    @Test(arguments: [(ManifestKind.ociImageManifest, false), (.ociImageIndex, true), (.dockerManifest, false), (.dockerManifestList, true)])
    func indexesAreTheKindsThatListManifests(kind: ManifestKind, isIndex: Bool) {
        #expect(kind.isIndex == isIndex)
    }
}
