@testable import BerthEngine
import BerthModel
import Foundation
import Testing

/// One implementation of `MetadataIndex` the contract suite runs against. A new implementation
/// (PostgreSQL, …) adds itself to `all` and inherits every test of `IndexContractTests`.
struct IndexImplementation: Sendable, CustomTestStringConvertible {
    let name: String
    /// Opens (creating) an index whose files, if any, live in `directory`; opening the same
    /// directory again must find what was written.
    let open: @Sendable (_ directory: String) throws -> any MetadataIndex

    var testDescription: String { name }

    static let lmdb = IndexImplementation(name: "LMDB") { directory in
        try LMDBIndex(directory: directory, mapSize: 1 << 30)
    }

    /// Every implementation in this build.
    static let all: [IndexImplementation] = [.lmdb]
}

/// A fresh index in a temporary directory, with helpers to store what a test needs without a
/// registry above it (the rules under test are the index's own extensions).
final class IndexFixture: Sendable {
    let directory: String
    let implementation: IndexImplementation
    let index: any MetadataIndex
    let now = Date(millisecondsSince1970: Date().millisecondsSince1970)

    init(_ implementation: IndexImplementation) throws {
        directory = NSTemporaryDirectory() + "berth-index-contract-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.implementation = implementation
        index = try implementation.open(directory)
    }

    deinit {
        index.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Closes the index and opens it again from its directory.
    func reopened() throws -> any MetadataIndex {
        index.close()
        return try implementation.open(directory)
    }

    /// Links a blob of `size` bytes named by `seed` into `repository`; returns its digest.
    @discardableResult
    func linkedBlob(_ repository: RepositoryName, seed: String, size: Int64 = 100, at time: Date? = nil) async throws -> Digest {
        let digest = sha256(seed)
        try await index.linkBlob(digest, size: size, into: repository, now: time ?? now)
        return digest
    }

    /// An image manifest over two linked blobs, with an optional subject and annotations.
    func image(_ repository: RepositoryName, seed: String, subject: Digest? = nil, artifactType: String? = nil,
               annotations: [String: String] = [:]) async throws -> (bytes: [UInt8], digest: Digest, manifest: Manifest) {
        let config = try await linkedBlob(repository, seed: "\(seed)-config", size: 10)
        let layer = try await linkedBlob(repository, seed: "\(seed)-layer", size: 100)
        var fields = [
            #""schemaVersion":2"#, #""mediaType":"\#(ociManifest)""#,
            #""config":\#(descriptorJSON("application/vnd.oci.image.config.v1+json", config, 10))"#,
            #""layers":[\#(descriptorJSON("application/vnd.oci.image.layer.v1.tar+gzip", layer, 100))]"#,
        ]
        if let artifactType { fields.append(#""artifactType":"\#(artifactType)""#) }
        if let subject { fields.append(#""subject":\#(descriptorJSON(ociManifest, subject, 100))"#) }
        if !annotations.isEmpty {
            fields.append(#""annotations":{\#(annotations.sorted { $0.key < $1.key }.map { #""\#($0.key)":"\#($0.value)""# }.joined(separator: ","))}"#)
        }
        let bytes = Array("{\(fields.joined(separator: ","))}".utf8)
        return (bytes, sha256(bytes), try Manifest(parsing: bytes, contentType: ociManifest))
    }

    /// Stores a manifest by the publication rule, moving `tags` to it.
    @discardableResult
    func put(_ image: (bytes: [UInt8], digest: Digest, manifest: Manifest), in repository: RepositoryName, tags: [String] = [],
             at time: Date? = nil, protection: (@Sendable (BerthModel.Tag) -> String?)? = nil,
             audit: AuditEvent? = nil) async throws -> ManifestRecord {
        try await index.putManifest(ManifestWriteRequest(repository: repository, digest: image.digest, bytes: image.bytes,
                                                         manifest: image.manifest, tags: tags.map(tag), now: time ?? now,
                                                         tagProtection: protection, audit: audit))
    }
}
