import BerthModel
import Foundation
import Testing

/// What `Manifest(parsing:contentType:)` refuses, and how it says why.
@Suite struct ManifestRefusalTests {
    typealias F = Fixtures

    /// The `invalidManifest` reason parsing `text` gives (nil, and an issue, for anything else).
    static func reason(_ text: String, contentType: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        let error = #expect(throws: ValidationError.self, sourceLocation: sourceLocation) { try F.parse(text, contentType: contentType) }
        #expect(error?.case == .invalidManifest, "\(String(describing: error))", sourceLocation: sourceLocation)
        return error?.manifestReason
    }

    // MARK: Size

    @Test func manifestOverFourMebibytesIsTooLarge() {
        let bytes = [UInt8](repeating: 0x20, count: Manifest.maximumSize + 1)
        #expect(throws: ValidationError.manifestTooLarge(size: Manifest.maximumSize + 1, limit: Manifest.maximumSize)) {
            try Manifest(parsing: bytes, contentType: nil)
        }
    }

    @Test func manifestOfExactlyFourMebibytesIsParsed() throws {
        var bytes = Array(F.ociImage.utf8)
        bytes += [UInt8](repeating: 0x20, count: Manifest.maximumSize - bytes.count)
        #expect(try Manifest(parsing: bytes, contentType: nil).kind == .ociImageManifest)
    }

    @Test func sizeIsCheckedBeforeTheContentType() {
        let bytes = [UInt8](repeating: 0xff, count: Manifest.maximumSize + 1)
        let error = #expect(throws: ValidationError.self) { try Manifest(parsing: bytes, contentType: MediaType.dockerManifestSchema1.rawValue) }
        #expect(error?.case == .manifestTooLarge)
    }

    // MARK: Not a JSON object

    @Test(arguments: ["", "   ", "{", #"{"schemaVersion":2,"#, "schemaVersion: 2", "{'schemaVersion': 2}", #"{"a":1}x"#])
    func textThatIsNotJSONIsInvalid(text: String) {
        #expect(Self.reason(text)?.hasPrefix("not valid JSON") == true)
    }

    @Test func bytesThatAreNotUTF8AreInvalid() {
        let bytes: [UInt8] = Array(#"{"schemaVersion":2,"mediaType":""#.utf8) + [0xff, 0xfe] + Array(#""}"#.utf8)
        let error = #expect(throws: ValidationError.self) { try Manifest(parsing: bytes, contentType: nil) }
        #expect(error?.case == .invalidManifest)
    }

    @Test(arguments: ["[1,2,3]", "[]", #""manifest""#, "2", "true", "null"])
    func jsonThatIsNotAnObjectIsInvalid(text: String) {
        #expect(Self.reason(text)?.hasPrefix("document: expected an object") == true)
    }

    @Test func deeplyNestedJSONIsInvalidNotACrash() {
        let text = #"{"schemaVersion":2,"x":"# + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        let error = #expect(throws: ValidationError.self) { try F.parse(text) }
        #expect(error?.case == .invalidManifest)
    }

    // MARK: Schema version

    @Test func schemaVersionOneIsDockerSchema1AndUnsupported() {
        #expect(throws: ValidationError.unsupportedMediaType("application/vnd.docker.distribution.manifest.v1+json")) {
            try F.parse(#"{"schemaVersion":1,"name":"library/app","tag":"v1","architecture":"amd64","fsLayers":[],"history":[]}"#)
        }
    }

    @Test(arguments: [MediaType.dockerManifestSchema1, .dockerManifestSchema1Signed])
    func schema1ContentTypeIsUnsupported(type: MediaType) {
        #expect(throws: ValidationError.unsupportedMediaType(type.rawValue)) {
            try F.parse(#"{"schemaVersion":1,"name":"library/app","tag":"v1","fsLayers":[]}"#, contentType: type.rawValue)
        }
    }

    @Test func schema1MediaTypeInTheBodyIsUnsupported() {
        #expect(throws: ValidationError.unsupportedMediaType(MediaType.dockerManifestSchema1Signed.rawValue)) {
            try F.parse(#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v1+prettyjws"}"#)
        }
    }

    @Test func missingSchemaVersionIsInvalid() {
        let text = F.replacing(#""schemaVersion": 2,"#, with: "", in: F.ociImage)
        #expect(Self.reason(text) == "schemaVersion: missing")
    }

    @Test(arguments: [
        (#""2""#, "schemaVersion: expected an integer, found a string"),
        ("true", "schemaVersion: expected an integer, found a boolean"),
        ("2.5", "schemaVersion: expected an integer, found a fraction"),
        ("3", "schemaVersion: must be 2, got 3"),
        ("0", "schemaVersion: must be 2, got 0"),
        ("-2", "schemaVersion: must be 2, got -2"),
        ("[2]", "schemaVersion: expected an integer"),
    ])
    func schemaVersionOtherThanTheInteger2IsInvalid(literal: String, reason: String) {
        let text = F.replacing(#""schemaVersion": 2,"#, with: #""schemaVersion": \#(literal),"#, in: F.ociImage)
        #expect(Self.reason(text) == reason)
    }

    // MARK: Media type

    @Test func bodyMediaTypeDisagreeingWithTheContentTypeIsInvalid() {
        let reason = Self.reason(F.ociImage, contentType: "application/vnd.oci.image.index.v1+json")
        #expect(reason == #"mediaType "application/vnd.oci.image.manifest.v1+json" does not match Content-Type "application/vnd.oci.image.index.v1+json""#)
    }

    @Test func genericContentTypeDisagreesWithAManifestMediaType() {
        #expect(Self.reason(F.dockerManifest, contentType: "application/json")?.contains("does not match Content-Type") == true)
    }

    @Test func unknownBodyMediaTypeIsUnsupported() {
        #expect(throws: ValidationError.unsupportedMediaType("application/vnd.oci.artifact.manifest.v1+json")) {
            try F.parse(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.artifact.manifest.v1+json","blobs":[]}"#)
        }
    }

    @Test func unknownContentTypeWithoutABodyMediaTypeIsUnsupported() {
        let text = F.replacing(#""mediaType": "application/vnd.oci.image.manifest.v1+json","#, with: "", in: F.ociImage)
        #expect(throws: ValidationError.unsupportedMediaType("application/octet-stream")) { try F.parse(text, contentType: "application/octet-stream") }
    }

    @Test(arguments: [#""not a media type""#, #""""#, #"" application/vnd.oci.image.manifest.v1+json""#])
    func bodyMediaTypeThatIsNoMediaTypeIsInvalid(literal: String) {
        let text = F.replacing(#""application/vnd.oci.image.manifest.v1+json""#, with: literal, in: F.ociImage)
        #expect(Self.reason(text)?.hasPrefix("mediaType: invalid media type") == true)
    }

    @Test func bodyMediaTypeThatIsNoStringIsInvalid() {
        let text = F.replacing(#""application/vnd.oci.image.manifest.v1+json""#, with: "42", in: F.ociImage)
        #expect(Self.reason(text) == "mediaType: expected a string")
    }

    @Test func manifestWithNoMediaTypeAndNoShapeIsInvalid() {
        #expect(Self.reason(#"{"schemaVersion":2,"layers":[]}"#)?.hasPrefix("mediaType: missing") == true)
    }

    // MARK: Fields of the kind

    @Test func imageManifestWithoutConfigIsInvalid() {
        #expect(Self.reason(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}"#) == "config: missing")
    }

    @Test(arguments: ["", #","layers":null"#])
    func anImageManifestWithoutLayersOrWithNullLayersHasNone(layers: String) throws {
        // The image spec requires config, not layers; Go clients send an unset slice as null.
        let text = #"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":"#
            + #"{"mediaType":"a/b","digest":"\#(F.configDigest)","size":1}"# + layers + "}"
        #expect(try Manifest(parsing: Array(text.utf8), contentType: nil).layers.isEmpty)
    }

    @Test func nullFieldsOfTheOtherKindAreNoAmbiguity() throws {
        let index = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[],"config":null,"layers":null}"#
        #expect(try Manifest(parsing: Array(index.utf8), contentType: nil).kind.isIndex)
        let image = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":"#
            + #"{"mediaType":"a/b","digest":"\#(F.configDigest)","size":1},"layers":[],"manifests":null}"#
        #expect(try !Manifest(parsing: Array(image.utf8), contentType: nil).kind.isIndex)
        // Non-null, they are still refused.
        let both = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[],"layers":[]}"#
        #expect(Self.reason(both) == "layers: not allowed in an index")
    }

    @Test func imageManifestWithAManifestsArrayIsInvalid() {
        let text = F.replacing(#""layers": ["#, with: #""manifests": [], "layers": ["#, in: F.ociImage)
        #expect(Self.reason(text) == "manifests: not allowed in an image manifest")
    }

    @Test(arguments: ["config", "layers"])
    func indexWithImageManifestFieldsIsInvalid(field: String) {
        let text = F.replacing(#""manifests": ["#, with: #""\#(field)": [], "manifests": ["#, in: F.ociIndex)
        #expect(Self.reason(text) == "\(field): not allowed in an index")
    }

    @Test func indexWithoutManifestsIsInvalid() {
        #expect(Self.reason(#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json"}"#) == "manifests: missing")
    }

    @Test func configThatIsNoObjectIsInvalid() {
        let text = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":[],"layers":[]}"#
        #expect(Self.reason(text) == "config: expected an object")
    }

    @Test func layersThatAreNoArrayIsInvalid() {
        let text = F.replacing(#""layers": ["#, with: #""layers": {}, "unused": ["#, in: F.ociImage)
        #expect(Self.reason(text) == "layers: expected an array")
    }

    // MARK: Descriptors

    @Test(arguments: [
        ("-1", "layers[1].size: must not be negative, got -1"),
        ("1.5", "layers[1].size: expected an integer, found a fraction"),
        ("true", "layers[1].size: expected an integer, found a boolean"),
        ("false", "layers[1].size: expected an integer, found a boolean"),
        (#""12""#, "layers[1].size: expected an integer, found a string"),
        ("null", "layers[1].size: missing"),
        ("9223372036854775808", "layers[1].size: integer out of range"),
        ("1e30", "layers[1].size: integer out of range"),
        // Integral, but Go clients refuse these for an integer field: a registry must not store
        // a document they cannot read.
        ("12.0", "layers[1].size: expected an integer, found a number with a fraction or exponent"),
        ("1e3", "layers[1].size: expected an integer, found a number with a fraction or exponent"),
        ("12E0", "layers[1].size: expected an integer, found a number with a fraction or exponent"),
        ("{}", "layers[1].size: expected an integer"),
    ])
    func layerSizeThatIsNoNonNegativeInt64IsInvalid(literal: String, reason: String) {
        let text = F.replacing(#""size": 12,"#, with: #""size": \#(literal),"#, in: F.ociImage)
        #expect(Self.reason(text) == reason)
    }

    @Test func badDigestInALayerIsInvalidAndNamesTheLayer() {
        let text = F.replacing(F.layer2Digest, with: "sha256:XYZ", in: F.ociImage)
        #expect(Self.reason(text) == #"layers[1].digest: invalid digest "sha256:XYZ": sha256 needs 64 hex characters, got 3"#)
    }

    @Test func digestOfAnUnsupportedAlgorithmInAnIndexEntryIsInvalid() {
        let text = F.replacing(F.arm64Digest, with: "md5:d41d8cd98f00b204e9800998ecf8427e", in: F.ociIndex)
        #expect(Self.reason(text)?.hasPrefix("manifests[1].digest: unsupported digest algorithm") == true)
    }

    @Test(arguments: ["mediaType", "digest", "size"])
    func descriptorWithoutARequiredFieldIsInvalid(field: String) {
        let text = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[],"config":{"#
            + [#""mediaType":"a/b""#, #""digest":"\#(F.configDigest)""#, #""size":1"#].filter { !$0.hasPrefix("\"\(field)\"") }.joined(separator: ",")
            + "}}"
        #expect(Self.reason(text) == "config.\(field): missing")
    }

    @Test func descriptorMediaTypeThatIsNoMediaTypeIsInvalid() {
        let text = F.replacing("application/vnd.oci.image.layer.v1.tar+gzip", with: "tar gzip", in: F.ociImage)
        #expect(Self.reason(text)?.hasPrefix(#"layers[0].mediaType: invalid media type "tar gzip""#) == true)
    }

    @Test func descriptorArtifactTypeThatIsNoMediaTypeIsInvalid() {
        let text = F.replacing(#""size": 7143,"#, with: #""size": 7143, "artifactType": "nope","#, in: F.ociIndex)
        #expect(Self.reason(text)?.hasPrefix("manifests[0].artifactType: invalid media type") == true)
    }

    @Test func urlsThatAreNotStringsAreInvalid() {
        let text = F.replacing(#""urls": ["https"#, with: #""urls": [1, "https"#, in: F.foreignLayerManifest)
        #expect(Self.reason(text) == "layers[0].urls[0]: expected a string")
    }

    @Test func dataThatIsNoStringIsInvalid() {
        let text = F.replacing(#""data": "e30=""#, with: #""data": 123"#, in: F.signatureArtifact)
        #expect(Self.reason(text) == "config.data: expected a string")
    }

    @Test func platformWithoutOSIsInvalid() {
        let text = F.replacing(#""architecture": "amd64", "os": "linux""#, with: #""architecture": "amd64""#, in: F.ociIndex)
        #expect(Self.reason(text) == "manifests[0].platform.os: missing")
    }

    @Test func platformThatIsNoObjectIsInvalid() {
        let text = F.replacing(#"{ "architecture": "amd64", "os": "linux" }"#, with: #""linux/amd64""#, in: F.ociIndex)
        #expect(Self.reason(text) == "manifests[0].platform: expected an object")
    }

    @Test func subjectWithABadDigestIsInvalid() {
        let text = F.replacing(F.subjectDigest, with: "sha256:", in: F.signatureArtifact)
        #expect(Self.reason(text)?.hasPrefix("subject.digest: invalid digest") == true)
    }

    // MARK: Annotations and artifact type

    @Test func annotationWithANonStringValueIsInvalid() {
        let text = F.replacing(#""2026-11-25T00:00:00Z""#, with: "42", in: F.ociImage)
        #expect(Self.reason(text) == #"annotations["org.opencontainers.image.created"]: expected a string"#)
    }

    @Test func annotationWithANullValueIsInvalid() {
        let text = F.replacing(#""2026-11-25T00:00:00Z""#, with: "null", in: F.ociImage)
        #expect(Self.reason(text) == #"annotations["org.opencontainers.image.created"]: expected a string, found null"#)
    }

    @Test func layerAnnotationWithANonStringValueIsInvalid() {
        let text = F.replacing(#""app.tar""#, with: "[]", in: F.ociImage)
        #expect(Self.reason(text) == #"layers[1].annotations["org.opencontainers.image.title"]: expected a string"#)
    }

    @Test func annotationsThatAreNoObjectIsInvalid() {
        let text = F.replacing(#""annotations": {"#, with: #""annotations": [], "unused": {"#, in: F.ociIndex)
        #expect(Self.reason(text) == "annotations: expected an object")
    }

    @Test func artifactTypeThatIsNoMediaTypeIsInvalid() {
        let text = F.replacing("application/vnd.dev.cosign.artifact.sig.v1+json", with: "not a type", in: F.signatureArtifact)
        #expect(Self.reason(text)?.hasPrefix("artifactType: invalid media type") == true)
    }

    // MARK: Order of problems

    @Test func aSchemaVersionProblemIsReportedBeforeALayerProblem() {
        var text = F.replacing(#""schemaVersion": 2,"#, with: #""schemaVersion": 3,"#, in: F.ociImage)
        text = F.replacing(F.layer1Digest, with: "sha256:bad", in: text)
        #expect(Self.reason(text) == "schemaVersion: must be 2, got 3")
    }

    @Test func aMediaTypeProblemIsReportedBeforeALayerProblem() {
        let text = F.replacing(#""size": 12,"#, with: #""size": -12,"#, in: F.dockerManifest.replacingOccurrences(of: "16724", with: "12"))
        #expect(Self.reason(text, contentType: "application/vnd.oci.image.manifest.v1+json")?.contains("does not match Content-Type") == true)
    }
}
