import BerthEngine
import BerthModel
import Foundation

// Fills a data root with many small blobs, fast, for fsck's memory check: the blob files are
// written straight into the content-addressed tree (no fsync: a benchmark store, not a
// durable one) and linked in batches of 10 000 per index transaction; every 100th pair of
// blobs is named by an image manifest, pushed through the engine.
//   make-blob-store ROOT COUNT
let arguments = CommandLine.arguments
guard arguments.count == 3, let count = Int(arguments[2]), count > 0 else {
    FileHandle.standardError.write(Data("usage: make-blob-store ROOT COUNT\n".utf8))
    exit(2)
}
let root = arguments[1]
let registry = try await FileRegistry.open(RegistryConfiguration(root: root))
let layout = registry.layout
let repository = try RepositoryName(parsing: "scale/blobs")
let batch = 10_000
var made: [(Digest, Int64)] = []
made.reserveCapacity(batch)
let started = Date()

func link(_ blobs: [(Digest, Int64)]) async throws {
    try await registry.index.write { txn in
        for (digest, size) in blobs { try txn.putBlobLink(BlobLink(digest: digest, size: size, linkedAt: Date()), in: repository) }
    }
}

var previous: (Digest, Int64)?
for number in 0..<count {
    let bytes = Array("blob \(number) of the fsck scale store\n".utf8)
    let digest = try ContentHasher.digest(of: bytes)
    let path = layout.blobFile(digest)
    try FileManager.default.createDirectory(atPath: layout.blobFanoutDirectory(digest), withIntermediateDirectories: true)
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { fatalError("cannot write \(path)") }
    made.append((digest, Int64(bytes.count)))
    if made.count == batch {
        try await link(made)
        made.removeAll(keepingCapacity: true)
        FileHandle.standardError.write(Data("\(number + 1) blobs\n".utf8))
    }
    if number % 100 == 1, let config = previous {
        // Linked before the manifest that names them.
        try await link(made)
        made.removeAll(keepingCapacity: true)
        let document = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(config.0)","size":\#(config.1)},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"\#(digest)","size":\#(bytes.count)}]}"#
        _ = try await registry.putManifest(Array(document.utf8), contentType: MediaType.ociImageManifest.rawValue, in: repository,
                                           reference: .tag(try Tag(parsing: "m\(number)")))
    }
    previous = (digest, Int64(bytes.count))
}
try await link(made)
await registry.close()
print("\(count) blobs in \(root) in \(Int(Date().timeIntervalSince(started))) s")
