import BerthModel
import Foundation
import Testing

/// Parsing of every manifest kind a registry meets, and of what it must refuse.
@Suite struct ManifestParsingTests {
    static let a = "sha256:" + String(repeating: "a", count: 64)
    static let b = "sha256:" + String(repeating: "b", count: 64)
    static let c = "sha256:" + String(repeating: "c", count: 64)

    static let ociImage = """
    {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
     "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(a)","size":1470},
     "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"\(b)","size":2811478},
               {"mediaType":"application/vnd.oci.image.layer.v1.tar+zstd","digest":"\(c)","size":12}],
     "annotations":{"org.opencontainers.image.created":"2026-11-25T00:00:00Z"}}
    """

    static let ociIndex = """
    {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
      {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(a)","size":7143,"platform":{"architecture":"amd64","os":"linux"}},
      {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(b)","size":7682,"platform":{"architecture":"arm64","os":"linux","variant":"v8","os.version":"6.1"}}]}
    """

    static let dockerManifest = """
    {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
     "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":7023,"digest":"\(a)"},
     "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":32654,"digest":"\(b)"}]}
    """

    static let dockerList = """
    {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[
      {"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":7143,"digest":"\(a)","platform":{"architecture":"ppc64le","os":"linux"}}]}
    """

    static let cosignStyleArtifact = """
    {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
     "artifactType":"application/vnd.dev.cosign.artifact.sig.v1+json",
     "config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"\(a)","size":2,"data":"e30="},
     "layers":[{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","digest":"\(b)","size":4000}],
     "subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(c)","size":1000}}
    """

    static func parse(_ text: String, contentType: String? = nil) throws -> Manifest {
        try Manifest(parsing: Array(text.utf8), contentType: contentType)
    }

    @Test func ociImageManifestIsParsed() throws {
        let manifest = try Self.parse(Self.ociImage, contentType: "application/vnd.oci.image.manifest.v1+json")
        #expect(manifest.kind == .ociImageManifest)
        #expect(manifest.config?.digest.description == Self.a)
        #expect(manifest.layers.map(\.size) == [2_811_478, 12])
        #expect(manifest.requiredBlobs.map(\.digest.description) == [Self.a, Self.b, Self.c])
        #expect(manifest.annotations["org.opencontainers.image.created"] == "2026-11-25T00:00:00Z")
        #expect(manifest.subject == nil)
    }

    @Test func ociIndexIsParsedWithPlatforms() throws {
        let manifest = try Self.parse(Self.ociIndex)
        #expect(manifest.kind == .ociImageIndex)
        #expect(manifest.childManifests.count == 2)
        #expect(manifest.childManifests[1].platform == Platform(architecture: "arm64", os: "linux", osVersion: "6.1", variant: "v8"))
        #expect(manifest.requiredBlobs.isEmpty)
        #expect(manifest.artifactType == nil)
    }

    @Test func dockerManifestIsParsed() throws {
        let manifest = try Self.parse(Self.dockerManifest, contentType: "application/vnd.docker.distribution.manifest.v2+json")
        #expect(manifest.kind == .dockerManifest)
        #expect(manifest.requiredBlobs.count == 2)
        #expect(manifest.artifactType?.rawValue == "application/vnd.docker.container.image.v1+json")
    }

    @Test func dockerManifestListIsParsed() throws {
        let manifest = try Self.parse(Self.dockerList)
        #expect(manifest.kind == .dockerManifestList)
        #expect(manifest.childManifests.first?.platform?.architecture == "ppc64le")
    }

    @Test func artifactWithSubjectAndDeclaredArtifactTypeIsParsed() throws {
        let manifest = try Self.parse(Self.cosignStyleArtifact)
        #expect(manifest.subject?.digest.description == Self.c)
        #expect(manifest.artifactType?.rawValue == "application/vnd.dev.cosign.artifact.sig.v1+json")
        #expect(manifest.config?.data == "e30=")
    }

    @Test func artifactTypeFallsBackToTheConfigMediaType() throws {
        let manifest = try Self.parse(Self.ociImage)
        #expect(manifest.declaredArtifactType == nil)
        #expect(manifest.artifactType?.rawValue == "application/vnd.oci.image.config.v1+json")
    }

    @Test func manifestWithoutAMediaTypeFieldTakesTheContentType() throws {
        let text = Self.dockerManifest.replacingOccurrences(of: #""mediaType":"application/vnd.docker.distribution.manifest.v2+json","#, with: "")
        let manifest = try Self.parse(text, contentType: "application/vnd.docker.distribution.manifest.v2+json")
        #expect(manifest.kind == .dockerManifest)
    }

    @Test func manifestWithNeitherMediaTypeIsRecognisedByShape() throws {
        let index = Self.ociIndex.replacingOccurrences(of: #""mediaType":"application/vnd.oci.image.index.v1+json","#, with: "")
        #expect(try Self.parse(index).kind == .ociImageIndex)
    }

    @Test func contentTypeParametersAreIgnored() throws {
        #expect(try Self.parse(Self.ociImage, contentType: "application/vnd.oci.image.manifest.v1+json; charset=utf-8").kind == .ociImageManifest)
    }

    @Test func foreignLayersWithURLsAreNotRequiredBlobs() throws {
        let text = """
        {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
         "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":1,"digest":"\(Self.a)"},
         "layers":[{"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip","size":5,"digest":"\(Self.b)","urls":["https://example.com/layer"]},
                   {"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":5,"digest":"\(Self.c)"}]}
        """
        #expect(try Self.parse(text).requiredBlobs.map(\.digest.description) == [Self.a, Self.c])
    }

    // MARK: Refusals

    private func expectInvalid(_ text: String, contentType: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(sourceLocation: sourceLocation) {
            try Self.parse(text, contentType: contentType)
        } throws: { error in
            guard case ValidationError.invalidManifest = error else { return false }
            return true
        }
    }

    @Test func manifestOverFourMebibytesIsTooLarge() {
        let bytes = [UInt8](repeating: 0x20, count: Manifest.maximumSize + 1)
        #expect(throws: ValidationError.manifestTooLarge(size: Manifest.maximumSize + 1, limit: Manifest.maximumSize)) {
            try Manifest(parsing: bytes, contentType: nil)
        }
    }

    @Test func notJSONIsInvalid() { expectInvalid("{\"schemaVersion\":2,") }
    @Test func jsonArrayIsInvalid() { expectInvalid("[1,2,3]") }
    @Test func missingSchemaVersionIsInvalid() { expectInvalid(#"{"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#) }
    @Test func stringSchemaVersionIsInvalid() { expectInvalid(#"{"schemaVersion":"2","manifests":[]}"#) }
    @Test func missingConfigIsInvalid() { expectInvalid(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}"#) }
    @Test func indexWithLayersIsInvalid() { expectInvalid(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[],"layers":[]}"#) }

    @Test func schemaVersionOneIsUnsupported() {
        #expect(throws: ValidationError.unsupportedMediaType("application/vnd.docker.distribution.manifest.v1+json")) {
            try Self.parse(#"{"schemaVersion":1,"name":"a","tag":"b","fsLayers":[]}"#)
        }
    }

    @Test func mediaTypeDisagreeingWithContentTypeIsInvalid() {
        expectInvalid(Self.ociImage, contentType: "application/vnd.oci.image.index.v1+json")
    }

    @Test func unknownMediaTypeIsUnsupported() {
        #expect(throws: ValidationError.unsupportedMediaType("application/vnd.oci.artifact.manifest.v1+json")) {
            try Self.parse(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.artifact.manifest.v1+json","blobs":[]}"#)
        }
    }

    @Test(arguments: [#""size":-1"#, #""size":1.5"#, #""size":true"#, #""size":"12""#, #""size":99999999999999999999"#])
    func badLayerSizesAreInvalid(size: String) {
        expectInvalid(Self.ociImage.replacingOccurrences(of: #""size":12"#, with: size))
    }

    @Test func badDigestInALayerIsInvalidAndNamesTheLayer() {
        #expect {
            try Self.parse(Self.ociImage.replacingOccurrences(of: Self.c, with: "sha256:XYZ"))
        } throws: { error in
            guard case ValidationError.invalidManifest(let reason) = error else { return false }
            return reason.hasPrefix("layers[1].digest")
        }
    }

    @Test func annotationWithANonStringValueIsInvalid() {
        expectInvalid(Self.ociImage.replacingOccurrences(of: #""2026-11-25T00:00:00Z""#, with: "42"))
    }

    @Test func invalidArtifactTypeIsInvalid() {
        expectInvalid(Self.cosignStyleArtifact.replacingOccurrences(of: "application/vnd.dev.cosign.artifact.sig.v1+json", with: "not a type"))
    }
}
