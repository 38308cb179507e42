import BerthModel
import BerthTestSupport
import BerthSigningTestSupport
import Foundation
@testable import BerthEngine

/// Builds signature manifests exactly as cosign and Notation push them.
enum SignatureBuilder {
    /// cosign's simple-signing payload for `subject`.
    static func simpleSigningPayload(_ subject: Digest, reference: String = "registry.example/app") -> [UInt8] {
        Array(#"{"critical":{"identity":{"docker-reference":"\#(reference)"},"image":{"docker-manifest-digest":"\#(subject)"},"type":"cosign container image signature"},"optional":null}"#.utf8)
    }

    /// A cosign signature manifest (tag-scheme layout): the payload as a layer carrying the
    /// base64 signature annotation, with an empty config. Pushes the blobs; returns the manifest bytes.
    static func cosignSignature(_ registry: FileRegistry, _ repository: RepositoryName, subject: Digest, signer: TestSigner,
                                payload: [UInt8]? = nil, ociReferrer: Bool = false) async throws -> [UInt8] {
        let body = payload ?? simpleSigningPayload(subject)
        let signature = Data(try signer.sign(body)).base64EncodedString()
        let payloadDigest = try await pushBlob(registry, repository, body)
        let config = Array("{}".utf8)
        let configDigest = try await pushBlob(registry, repository, config)
        var text = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","#
        if ociReferrer { text += #""artifactType":"application/vnd.dev.cosign.artifact.sig.v1+json","# }
        text += #""config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"\#(configDigest)","size":2},"#
        text += #""layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":"\#(payloadDigest)","size":\#(body.count),"annotations":{"dev.cosignproject.cosign/signature":"\#(signature)"}}]"#
        if ociReferrer { text += #","subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(subject)","size":1}"# }
        return Array((text + "}").utf8)
    }

    /// A sigstore bundle v0.3 referrer with a DSSE envelope over an in-toto statement naming `subject`.
    static func bundleSignature(_ registry: FileRegistry, _ repository: RepositoryName, subject: Digest, signer: TestSigner) async throws -> [UInt8] {
        let statement = Array(#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"app","digest":{"sha256":"\#(subject.encoded)"}}],"predicateType":"https://sigstore.dev/cosign/sign/v1","predicate":{}}"#.utf8)
        let payloadType = "application/vnd.in-toto+json"
        let signature = Data(try signer.sign(SignatureFormats.preAuthenticationEncoding(type: payloadType, body: statement))).base64EncodedString()
        let bundle = Array(#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"test"}},"dsseEnvelope":{"payload":"\#(Data(statement).base64EncodedString())","payloadType":"\#(payloadType)","signatures":[{"sig":"\#(signature)"}]}}"#.utf8)
        return try await referrer(registry, repository, subject: subject, artifactType: "application/vnd.dev.sigstore.bundle.v0.3+json",
                                  layerType: "application/vnd.dev.sigstore.bundle.v0.3+json", layer: bundle,
                                  annotations: #","annotations":{"dev.sigstore.bundle.predicateType":"https://sigstore.dev/cosign/sign/v1"}"#)
    }

    /// A Notation JWS signature envelope referrer (ES256) over a payload naming `subject`.
    static func notationSignature(_ registry: FileRegistry, _ repository: RepositoryName, subject: Digest, signer: TestSigner) async throws -> [UInt8] {
        func base64URL(_ bytes: [UInt8]) -> String {
            Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        let protected = base64URL(Array(#"{"alg":"ES256","cty":"application/vnd.cncf.notary.payload.v1+json","crit":["io.cncf.notary.signingScheme"],"io.cncf.notary.signingScheme":"notary.x509"}"#.utf8))
        let payload = base64URL(Array(#"{"targetArtifact":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(subject)","size":1}}"#.utf8))
        let signature = base64URL(TestSigner.rawFromDER(try signer.sign(Array("\(protected).\(payload)".utf8))))
        let envelope = Array(#"{"payload":"\#(payload)","protected":"\#(protected)","header":{"x5c":[]},"signature":"\#(signature)"}"#.utf8)
        return try await referrer(registry, repository, subject: subject, artifactType: "application/vnd.cncf.notary.signature",
                                  layerType: "application/jose+json", layer: envelope, annotations: "")
    }

    private static func referrer(_ registry: FileRegistry, _ repository: RepositoryName, subject: Digest, artifactType: String,
                                 layerType: String, layer: [UInt8], annotations: String) async throws -> [UInt8] {
        let layerDigest = try await pushBlob(registry, repository, layer)
        let configDigest = try await pushBlob(registry, repository, Array("{}".utf8))
        let text = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"\#(artifactType)","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"\#(configDigest)","size":2},"layers":[{"mediaType":"\#(layerType)","digest":"\#(layerDigest)","size":\#(layer.count)}],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(subject)","size":1}\#(annotations)}"#
        return Array(text.utf8)
    }
}
