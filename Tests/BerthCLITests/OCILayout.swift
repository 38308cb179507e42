import BerthEngine
import Foundation

/// Writes OCI image layouts on disk for skopeo to copy from: real tar layers, a real config.
struct OCILayout {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "berth-layout-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: "\(path)/blobs/sha256", withIntermediateDirectories: true)
        try write(Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8), to: "oci-layout")
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// Stores a blob; returns its descriptor JSON and digest.
    @discardableResult
    func blob(_ bytes: Data, mediaType: String, extra: String = "") throws -> (json: String, digest: String) {
        let digest = try ContentHasher.digest(of: Array(bytes)).description
        try write(bytes, to: "blobs/sha256/\(digest.dropFirst(7))")
        return (#"{"mediaType":"\#(mediaType)","digest":"\#(digest)","size":\#(bytes.count)\#(extra)}"#, digest)
    }

    /// A gzipped tar archive holding one file with `content` (compressed, as clients push
    /// layers: an uncompressed one would be recompressed by skopeo on the way).
    func tarLayer(named name: String, content: String) async throws -> (compressed: Data, uncompressed: Data) {
        let scratch = NSTemporaryDirectory() + "berth-tar-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try Data(content.utf8).write(to: URL(fileURLWithPath: "\(scratch)/\(name)"))
        let result = try await run("tar", ["--sort=name", "--mtime=@0", "--owner=0", "--group=0", "-C", scratch, "-cf", "\(scratch).tar", name])
        guard result.status == 0 else { throw LayoutError(message: result.stderr) }
        defer { try? FileManager.default.removeItem(atPath: "\(scratch).tar") }
        let tar = try Data(contentsOf: URL(fileURLWithPath: "\(scratch).tar"))
        let zipped = try await run("gzip", ["-n", "-k", "-f", "\(scratch).tar"])
        guard zipped.status == 0 else { throw LayoutError(message: zipped.stderr) }
        defer { try? FileManager.default.removeItem(atPath: "\(scratch).tar.gz") }
        return (try Data(contentsOf: URL(fileURLWithPath: "\(scratch).tar.gz")), tar)
    }

    /// An image manifest for `architecture` with three layers; returns its descriptor JSON (for an index).
    func image(architecture: String, content: String) async throws -> (json: String, digest: String, manifest: Data) {
        var layers: [(compressed: Data, uncompressed: Data)] = []
        for number in 1...3 {
            layers.append(try await tarLayer(named: "layer\(number)-\(architecture).txt",
                                             content: "\(content) (layer \(number))\n" + String(repeating: "\(number)", count: number * 5000)))
        }
        let diffIDs = try layers.map { "\"\(try ContentHasher.digest(of: Array($0.uncompressed)))\"" }.joined(separator: ",")
        let config = Data(#"{"architecture":"\#(architecture)","os":"linux","rootfs":{"type":"layers","diff_ids":[\#(diffIDs)]},"config":{}}"#.utf8)
        let configDescriptor = try blob(config, mediaType: "application/vnd.oci.image.config.v1+json")
        let layerDescriptors = try layers.map { try blob($0.compressed, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip").json }
        let manifest = Data(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":\#(configDescriptor.json),"layers":[\#(layerDescriptors.joined(separator: ","))]}"#.utf8)
        let platform = #","platform":{"architecture":"\#(architecture)","os":"linux"}"#
        let descriptor = try blob(manifest, mediaType: "application/vnd.oci.image.manifest.v1+json", extra: platform)
        return (descriptor.json, descriptor.digest, manifest)
    }

    /// Names `descriptorJSON` (a manifest or index descriptor) as `tag` in index.json.
    func tag(_ descriptorJSON: String, as tag: String) throws {
        var descriptor = descriptorJSON
        descriptor.removeLast()
        descriptor += #","annotations":{"org.opencontainers.image.ref.name":"\#(tag)"}}"#
        try write(Data(#"{"schemaVersion":2,"manifests":[\#(descriptor)]}"#.utf8), to: "index.json")
    }

    func write(_ data: Data, to relative: String) throws {
        try data.write(to: URL(fileURLWithPath: "\(path)/\(relative)"))
    }

    struct LayoutError: Error { let message: String }
}

extension OCILayout {
    /// A cosign tag-scheme signature of `subject` (simple-signing payload layer carrying the
    /// base64 ECDSA signature annotation), signed with the openssl key at `privateKey`.
    func cosignSignature(of subject: String, privateKey: String) async throws -> (json: String, digest: String, manifest: Data) {
        let payload = Data(#"{"critical":{"identity":{"docker-reference":"127.0.0.1/app"},"image":{"docker-manifest-digest":"\#(subject)"},"type":"cosign container image signature"},"optional":null}"#.utf8)
        let payloadFile = "\(path)/payload-\(UUID().uuidString)"
        try payload.write(to: URL(fileURLWithPath: payloadFile))
        defer { try? FileManager.default.removeItem(atPath: payloadFile); try? FileManager.default.removeItem(atPath: payloadFile + ".sig") }
        let signed = try await run("openssl", ["dgst", "-sha256", "-sign", privateKey, "-out", payloadFile + ".sig", payloadFile])
        guard signed.status == 0 else { throw LayoutError(message: signed.stderr) }
        let signature = try Data(contentsOf: URL(fileURLWithPath: payloadFile + ".sig")).base64EncodedString()
        let layer = try blob(payload, mediaType: "application/vnd.dev.cosign.simplesigning.v1+json",
                             extra: #","annotations":{"dev.cosignproject.cosign/signature":"\#(signature)"}"#)
        let config = try blob(Data(#"{"architecture":"","config":{},"created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["\#(layer.digest)"]}}"#.utf8),
                              mediaType: "application/vnd.oci.image.config.v1+json")
        let manifest = Data(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":\#(config.json),"layers":[\#(layer.json)]}"#.utf8)
        let descriptor = try blob(manifest, mediaType: "application/vnd.oci.image.manifest.v1+json")
        return (descriptor.json, descriptor.digest, manifest)
    }
}

/// An ECDSA P-256 key pair made with openssl, for signing in end-to-end tests.
struct OpenSSLKeyPair {
    let privateKey: String
    let publicKey: String

    init(in directory: String) async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let name = UUID().uuidString
        privateKey = "\(directory)/\(name).key"
        publicKey = "\(directory)/\(name).pub"
        guard try await run("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", privateKey]).status == 0,
              try await run("openssl", ["ec", "-in", privateKey, "-pubout", "-out", publicKey]).status == 0 else {
            throw OCILayout.LayoutError(message: "openssl could not make a key pair")
        }
    }
}
