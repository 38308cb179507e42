import BerthModel
import Testing

/// Parsing of every manifest kind a registry meets, from manifests as clients push them.
@Suite struct ManifestParsingTests {
    typealias F = Fixtures

    // MARK: OCI image manifest

    @Test func ociImageManifestIsOfItsKind() throws {
        let manifest = try F.parse(F.ociImage, contentType: "application/vnd.oci.image.manifest.v1+json")
        #expect(manifest.kind == .ociImageManifest)
        #expect(manifest.mediaType == .ociImageManifest)
    }

    @Test func ociImageManifestHasItsConfigAndLayersInOrder() throws {
        let manifest = try F.parse(F.ociImage)
        #expect(manifest.config == Descriptor(mediaType: .ociImageConfig, digest: try Digest(parsing: F.configDigest), size: 1470))
        #expect(manifest.layers.map(\.digest.description) == [F.layer1Digest, F.layer2Digest])
        #expect(manifest.layers.map(\.size) == [2_811_478, 12])
        #expect(manifest.layers.map(\.mediaType.rawValue) == ["application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.oci.image.layer.v1.tar+zstd"])
        #expect(manifest.manifests.isEmpty)
    }

    @Test func ociImageManifestKeepsItsAnnotations() throws {
        #expect(try F.parse(F.ociImage).annotations == [
            "org.opencontainers.image.created": "2026-11-25T00:00:00Z",
            "org.opencontainers.image.source": "https://example.com/team/app",
        ])
    }

    @Test func layerAnnotationsAreKeptOnTheLayer() throws {
        #expect(try F.parse(F.ociImage).layers[1].annotations == ["org.opencontainers.image.title": "app.tar"])
    }

    @Test func requiredBlobsOfAnImageAreItsConfigThenItsLayers() throws {
        #expect(try F.parse(F.ociImage).requiredBlobs.map(\.digest.description) == [F.configDigest, F.layer1Digest, F.layer2Digest])
    }

    @Test func imageManifestWithoutArtifactTypeReportsItsConfigMediaType() throws {
        let manifest = try F.parse(F.ociImage)
        #expect(manifest.declaredArtifactType == nil)
        #expect(manifest.artifactType == .ociImageConfig)
    }

    @Test func imageManifestWithNoLayersIsAccepted() throws {
        let text = F.replacing(#""layers": ["#, with: #""layers": [], "unused": ["#, in: F.ociImage)
        #expect(try F.parse(text).layers.isEmpty)
    }

    @Test func imageManifestWithoutSubjectHasNone() throws {
        #expect(try F.parse(F.ociImage).subject == nil)
    }

    // MARK: OCI image index

    @Test func ociIndexIsOfItsKindWithoutConfigOrLayers() throws {
        let manifest = try F.parse(F.ociIndex, contentType: "application/vnd.oci.image.index.v1+json")
        #expect(manifest.kind == .ociImageIndex)
        #expect(manifest.config == nil)
        #expect(manifest.layers.isEmpty)
    }

    @Test func ociIndexNamesItsPlatformManifestsAsChildren() throws {
        let manifest = try F.parse(F.ociIndex)
        #expect(manifest.childManifests.map(\.digest.description) == [F.amd64Digest, F.arm64Digest])
        #expect(manifest.childManifests == manifest.manifests)
    }

    @Test func indexEntriesKeepTheirPlatforms() throws {
        let manifest = try F.parse(F.ociIndex)
        #expect(manifest.childManifests[0].platform == Platform(architecture: "amd64", os: "linux"))
        #expect(manifest.childManifests[1].platform == Platform(architecture: "arm64", os: "linux", osVersion: "6.1", osFeatures: ["sse4"], variant: "v8"))
    }

    @Test func indexRequiresNoBlobs() throws {
        #expect(try F.parse(F.ociIndex).requiredBlobs.isEmpty)
    }

    @Test func indexWithoutArtifactTypeHasNone() throws {
        #expect(try F.parse(F.ociIndex).artifactType == nil)
    }

    @Test func indexWithArtifactTypeReportsIt() throws {
        let text = F.replacing(#""manifests": ["#, with: #""artifactType": "application/vnd.example.bundle+json", "manifests": ["#, in: F.ociIndex)
        #expect(try F.parse(text).artifactType == "application/vnd.example.bundle+json")
    }

    @Test func indexWithNoManifestsIsAccepted() throws {
        let text = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#
        #expect(try F.parse(text).childManifests.isEmpty)
    }

    // MARK: Docker

    @Test func dockerManifestIsOfItsKind() throws {
        let manifest = try F.parse(F.dockerManifest, contentType: "application/vnd.docker.distribution.manifest.v2+json")
        #expect(manifest.kind == .dockerManifest)
        #expect(manifest.mediaType == .dockerManifest)
    }

    @Test func dockerManifestRequiresItsConfigAndLayers() throws {
        #expect(try F.parse(F.dockerManifest).requiredBlobs.map(\.digest.description) == [F.configDigest, F.layer1Digest, F.layer2Digest])
    }

    @Test func dockerManifestArtifactTypeIsItsConfigMediaType() throws {
        #expect(try F.parse(F.dockerManifest).artifactType == .dockerImageConfig)
    }

    @Test func dockerManifestListIsOfItsKindWithItsPlatformChildren() throws {
        let manifest = try F.parse(F.dockerList, contentType: "application/vnd.docker.distribution.manifest.list.v2+json")
        #expect(manifest.kind == .dockerManifestList)
        #expect(manifest.childManifests.map(\.platform?.architecture) == ["ppc64le", "amd64"])
        #expect(manifest.childManifests[1].platform?.osVersion == "10.0.14393.1066")
        #expect(manifest.childManifests[1].platform?.features == ["sse4"])
    }

    @Test func dockerManifestIgnoresSubjectAndArtifactType() throws {
        let text = F.replacing(#""config": {"#, with: """
        "subject": {"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "digest": "\(F.subjectDigest)", "size": 1},
        "artifactType": "application/vnd.example+json", "config": {
        """, in: F.dockerManifest)
        let manifest = try F.parse(text)
        #expect(manifest.subject == nil)
        #expect(manifest.declaredArtifactType == nil)
    }

    // MARK: Artifacts (OCI 1.1 referrers)

    @Test func artifactReportsItsDeclaredArtifactType() throws {
        let manifest = try F.parse(F.signatureArtifact)
        #expect(manifest.declaredArtifactType == "application/vnd.dev.cosign.artifact.sig.v1+json")
        #expect(manifest.artifactType == "application/vnd.dev.cosign.artifact.sig.v1+json")
    }

    @Test func artifactNamesItsSubject() throws {
        let subject = try F.parse(F.signatureArtifact).subject
        #expect(subject == Descriptor(mediaType: .ociImageManifest, digest: try Digest(parsing: F.subjectDigest), size: 1000))
    }

    @Test func artifactKeepsTheEmptyConfigWithItsEmbeddedData() throws {
        let config = try F.parse(F.signatureArtifact).config
        #expect(config?.mediaType == .ociEmpty)
        #expect(config?.digest.description == F.emptyDigest)
        #expect(config?.data == "e30=")
    }

    @Test func indexEntryKeepsItsArtifactType() throws {
        let text = F.replacing(#""size": 7143,"#, with: #""size": 7143, "artifactType": "application/vnd.example+json","#, in: F.ociIndex)
        #expect(try F.parse(text).childManifests[0].artifactType == "application/vnd.example+json")
    }

    // MARK: Media type from the header, or the shape

    @Test(arguments: [
        (F.ociImage, "application/vnd.oci.image.manifest.v1+json", ManifestKind.ociImageManifest),
        (F.ociIndex, "application/vnd.oci.image.index.v1+json", .ociImageIndex),
        (F.dockerManifest, "application/vnd.docker.distribution.manifest.v2+json", .dockerManifest),
        (F.dockerList, "application/vnd.docker.distribution.manifest.list.v2+json", .dockerManifestList),
    ])
    func manifestWithoutAMediaTypeFieldTakesItsKindFromTheContentType(fixture: String, contentType: String, kind: ManifestKind) throws {
        let text = F.replacing(#""mediaType": "\#(contentType)","#, with: "", in: fixture)
        #expect(try F.parse(text, contentType: contentType).kind == kind)
    }

    @Test func manifestWithNeitherMediaTypeButAManifestsArrayIsAnOCIIndex() throws {
        let text = F.replacing(#""mediaType": "application/vnd.oci.image.index.v1+json","#, with: "", in: F.ociIndex)
        #expect(try F.parse(text).kind == .ociImageIndex)
    }

    @Test func manifestWithNeitherMediaTypeButAConfigIsAnOCIImageManifest() throws {
        let text = F.replacing(#""mediaType": "application/vnd.oci.image.manifest.v1+json","#, with: "", in: F.ociImage)
        #expect(try F.parse(text).kind == .ociImageManifest)
    }

    @Test(arguments: ["", " ", "\t"])
    func blankContentTypeCountsAsAbsent(contentType: String) throws {
        #expect(try F.parse(F.ociIndex, contentType: contentType).kind == .ociImageIndex)
    }

    @Test(arguments: [
        "application/vnd.oci.image.manifest.v1+json; charset=utf-8",
        "Application/VND.OCI.Image.Manifest.v1+JSON",
        " application/vnd.oci.image.manifest.v1+json ",
    ])
    func contentTypeIsComparedByEssence(contentType: String) throws {
        #expect(try F.parse(F.ociImage, contentType: contentType).kind == .ociImageManifest)
    }

    @Test func manifestMediaTypeIsTheKindsCanonicalOneWhateverTheHeaderSpelling() throws {
        let text = F.replacing(#""mediaType": "application/vnd.oci.image.manifest.v1+json","#, with: "", in: F.ociImage)
        #expect(try F.parse(text, contentType: "APPLICATION/vnd.oci.image.manifest.v1+json; charset=utf-8").mediaType.rawValue
            == "application/vnd.oci.image.manifest.v1+json")
    }

    // MARK: Blobs

    @Test func foreignLayerWithURLsIsNotARequiredBlob() throws {
        #expect(try F.parse(F.foreignLayerManifest).requiredBlobs.map(\.digest.description) == [F.configDigest, F.layer1Digest])
    }

    @Test func foreignLayerKeepsItsURLs() throws {
        #expect(try F.parse(F.foreignLayerManifest).layers[0].urls == ["https://mcr.microsoft.com/v2/windows/servercore/blobs/\(F.foreignDigest)"])
    }

    @Test func foreignLayerWithoutURLsIsARequiredBlob() throws {
        let text = F.replacing(#""urls": ["https://mcr.microsoft.com/v2/windows/servercore/blobs/\#(F.foreignDigest)"]"#, with: #""urls": []"#,
                               in: F.foreignLayerManifest)
        #expect(try F.parse(text).requiredBlobs.count == 3)
    }

    @Test(arguments: MediaType.ociNondistributableLayers)
    func nondistributableOCILayerWithURLsIsNotARequiredBlob(type: MediaType) throws {
        let text = F.replacing("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", with: type.rawValue, in: F.foreignLayerManifest)
        #expect(try F.parse(text).requiredBlobs.map(\.digest.description) == [F.configDigest, F.layer1Digest])
    }

    @Test func ordinaryLayerWithURLsIsStillARequiredBlob() throws {
        let text = F.replacing("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", with: "application/vnd.docker.image.rootfs.diff.tar.gzip",
                               in: F.foreignLayerManifest)
        #expect(try F.parse(text).requiredBlobs.count == 3)
    }

    // MARK: Leniency the specs allow

    @Test func numbersWithAFractionOutsideIntegerFieldsAreAccepted() throws {
        let text = F.replacing(#""schemaVersion": 2,"#, with: #""schemaVersion": 2, "x-vendor": {"ratio": 2.5, "big": 1e3},"#, in: F.ociImage)
        #expect(try F.parse(text) == F.parse(F.ociImage))
    }

    @Test func unknownFieldsAreIgnored() throws {
        let text = F.replacing(#""schemaVersion": 2,"#, with: #""schemaVersion": 2, "x-vendor": {"anything": [1, true, null]},"#, in: F.ociImage)
        #expect(try F.parse(text) == F.parse(F.ociImage))
    }

    @Test(arguments: [("0", Int64(0)), ("9223372036854775807", Int64.max), ("12", 12)])
    func sizeIsAnyIntegerFromZeroToInt64Max(literal: String, size: Int64) throws {
        let text = F.replacing(#""size": 12,"#, with: #""size": \#(literal),"#, in: F.ociImage)
        #expect(try F.parse(text).layers[1].size == size)
    }

    @Test func sha512DigestsAreAccepted() throws {
        let sha512 = "sha512:" + String(repeating: "0123456789abcdef", count: 8)
        let text = F.replacing(F.layer1Digest, with: sha512, in: F.ociImage)
        #expect(try F.parse(text).layers[0].digest.algorithm == .sha512)
    }

    @Test func parsingTakesAnyCollectionOfBytes() throws {
        let bytes = Array(("  " + F.ociImage).utf8)
        #expect(try Manifest(parsing: bytes[2...], contentType: nil) == F.parse(F.ociImage))
    }
}
