import BerthEngine
import BerthHTTP
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Runs `body` against a standalone registry server on a fresh data root, over real HTTP on
/// loopback. Its figures (engine and HTTP) go to a Prometheus registry of its own, which
/// `GET /metrics` serves: counts never mix between the tests' servers.
func withServer<T: Sendable>(options: RegistryRoutesOptions = RegistryRoutesOptions(), maximumBlobSize: Int64 = 64 << 30,
                             mapSize: Int = 1 << 30,
                             _ body: @Sendable (any TestClientProtocol, FileRegistry) async throws -> T) async throws -> T {
    let root = NSTemporaryDirectory() + "berth-http-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: root) }
    let exposition = PrometheusExposition()
    let registry = try await FileRegistry.open(RegistryConfiguration(root: root, ioThreads: 4, mapSize: mapSize, maximumBlobSize: maximumBlobSize,
                                                                     metricsFactory: exposition.factory))
    do {
        let app = Application(router: RegistryServer.router(registry: registry, options: options, exposition: exposition),
                              configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)))
        let result = try await app.test(.live) { client in try await body(client, registry) }
        await registry.close()
        return result
    } catch {
        await registry.close()
        throw error
    }
}

func sha256(_ bytes: [UInt8]) -> Digest { try! ContentHasher.digest(of: bytes) }

func bytes(_ count: Int, seed: UInt8 = 1) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
}

extension TestResponse {
    /// The spec error body's first code, if the body is one.
    var errorCode: String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
              let errors = object["errors"] as? [[String: Any]] else { return nil }
        return errors.first?["code"] as? String
    }

    var json: [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
    }

    func header(_ name: String) -> String? {
        HTTPField.Name(name).flatMap { headers[$0] }
    }
}

extension HTTPFields {
    static func named(_ pairs: [String: String]) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in pairs {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        return fields
    }
}

/// Pushes a blob monolithically over HTTP; returns its digest.
@discardableResult
func pushBlob(_ client: any TestClientProtocol, _ name: String, _ content: [UInt8], headers: HTTPFields = [:]) async throws -> Digest {
    let digest = sha256(content)
    var fields = headers
    fields[.contentLength] = "\(content.count)"
    let response = try await client.execute(uri: "/v2/\(name)/blobs/uploads/?digest=\(digest)", method: .post,
                                            headers: fields,
                                            body: ByteBuffer(bytes: content))
    #expect(response.status == .created)
    return digest
}

/// An image manifest over a freshly pushed config and layer; returns its bytes and digest.
func pushImageBlobs(_ client: any TestClientProtocol, _ name: String, seed: UInt8,
                    artifactType: String? = nil, subject: (Digest, Int)? = nil, headers: HTTPFields = [:]) async throws -> (bytes: [UInt8], digest: Digest) {
    let config = Array(#"{"architecture":"amd64","os":"linux","seed":\#(seed)}"#.utf8)
    let layer = bytes(3000, seed: seed)
    let configDigest = try await pushBlob(client, name, config, headers: headers)
    let layerDigest = try await pushBlob(client, name, layer, headers: headers)
    var text = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(configDigest)","size":\#(config.count)},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\#(layerDigest)","size":\#(layer.count)}]"#
    if let artifactType { text += #","artifactType":"\#(artifactType)""# }
    if let subject { text += #","subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(subject.0)","size":\#(subject.1)}"# }
    text += "}"
    let manifest = Array(text.utf8)
    return (manifest, sha256(manifest))
}

let ociManifestType = "application/vnd.oci.image.manifest.v1+json"

func putManifest(_ client: any TestClientProtocol, _ name: String, _ reference: String, _ manifest: [UInt8],
                 contentType: String = ociManifestType, headers: HTTPFields = [:]) async throws -> TestResponse {
    var fields = headers
    fields[.contentType] = contentType
    return try await client.execute(uri: "/v2/\(name)/manifests/\(reference)", method: .put, headers: fields, body: ByteBuffer(bytes: manifest))
}
