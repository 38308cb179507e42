import BerthModel
import Foundation
import Testing
@testable import BerthEngine

/// A fresh data root under the system temp directory, removed when released.
final class TemporaryRoot: Sendable {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "berth-test-\(UUID().uuidString)"
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    var layout: DataRootLayout { DataRootLayout(root: path) }

    func configuration(readOnly: Bool = false) -> RegistryConfiguration {
        RegistryConfiguration(root: path, readOnly: readOnly, ioThreads: 4, mapSize: 1 << 30, minimumBodyRate: nil)
    }

    func open(readOnly: Bool = false) async throws -> FileRegistry {
        try await FileRegistry.open(configuration(readOnly: readOnly))
    }
}

/// Opens a registry on a fresh root, runs `body`, closes it.
func withRegistry<T>(configure: (inout RegistryConfiguration) -> Void = { _ in },
                     _ body: (FileRegistry, TemporaryRoot) async throws -> T) async throws -> T {
    let root = TemporaryRoot()
    var configuration = root.configuration()
    configure(&configuration)
    let registry = try await FileRegistry.open(configuration)
    do {
        let result = try await body(registry, root)
        await registry.close()
        return result
    } catch {
        await registry.close()
        throw error
    }
}

func repo(_ name: String) -> RepositoryName { try! RepositoryName(parsing: name) }
func tag(_ name: String) -> BerthModel.Tag { try! BerthModel.Tag(parsing: name) }
func sha256(_ bytes: [UInt8]) -> Digest { try! ContentHasher.digest(of: bytes) }
func sha256(_ text: String) -> Digest { sha256(Array(text.utf8)) }

/// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
func pseudoRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed | 1
    var out = [UInt8](repeating: 0, count: count)
    for i in 0..<count {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        out[i] = UInt8(truncatingIfNeeded: state)
    }
    return out
}

/// An async sequence yielding `bytes` in chunks of `size`.
struct Chunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let bytes: [UInt8]
    let size: Int
    init(_ bytes: [UInt8], size: Int) {
        self.bytes = bytes
        self.size = size
    }
    func makeAsyncIterator() -> Iterator { Iterator(bytes: bytes, size: size) }
    struct Iterator: AsyncIteratorProtocol {
        let bytes: [UInt8]
        let size: Int
        var offset = 0
        mutating func next() async -> [UInt8]? {
            guard offset < bytes.count else { return nil }
            defer { offset += size }
            return Array(bytes[offset..<Swift.min(offset + size, bytes.count)])
        }
    }
}

/// A body that yields some chunks and then fails, like a client that disconnects.
struct FailingBody: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    struct Disconnected: Error {}
    let chunks: [[UInt8]]
    func makeAsyncIterator() -> Iterator { Iterator(chunks: chunks) }
    struct Iterator: AsyncIteratorProtocol {
        var chunks: [[UInt8]]
        mutating func next() async throws -> [UInt8]? {
            guard !chunks.isEmpty else { throw Disconnected() }
            return chunks.removeFirst()
        }
    }
}

/// Pushes `bytes` as a blob and returns its descriptor JSON.
@discardableResult
func pushBlob(_ registry: FileRegistry, _ repository: RepositoryName, _ bytes: [UInt8]) async throws -> Digest {
    let digest = sha256(bytes)
    _ = try await registry.pushBlob(to: repository, digest: digest, bytes: bytes)
    return digest
}

func descriptorJSON(_ mediaType: String, _ digest: Digest, _ size: Int, extra: String = "") -> String {
    #"{"mediaType":"\#(mediaType)","digest":"\#(digest)","size":\#(size)\#(extra)}"#
}

/// An OCI image manifest over blobs already pushed to `repository`.
struct PushedImage {
    let bytes: [UInt8]
    let digest: Digest
    let config: Digest
    let layers: [Digest]
}

/// Pushes a config and layers, returns an image manifest document naming them (not pushed).
func makeImage(_ registry: FileRegistry, _ repository: RepositoryName, seed: UInt64, artifactType: String? = nil,
               subject: Digest? = nil, subjectSize: Int = 0, annotations: [String: String] = [:],
               configMediaType: String = "application/vnd.oci.image.config.v1+json",
               layerMediaType: String = "application/vnd.oci.image.layer.v1.tar+gzip") async throws -> PushedImage {
    let config = Array(#"{"architecture":"amd64","os":"linux","seed":\#(seed)}"#.utf8)
    let layer = pseudoRandomBytes(1000 + Int(seed % 100), seed: seed)
    let configDigest = try await pushBlob(registry, repository, config)
    let layerDigest = try await pushBlob(registry, repository, layer)
    var fields = [
        #""schemaVersion":2"#,
        #""mediaType":"application/vnd.oci.image.manifest.v1+json""#,
        #""config":\#(descriptorJSON(configMediaType, configDigest, config.count))"#,
        #""layers":[\#(descriptorJSON(layerMediaType, layerDigest, layer.count))]"#,
    ]
    if let artifactType { fields.append(#""artifactType":"\#(artifactType)""#) }
    if let subject { fields.append(#""subject":\#(descriptorJSON("application/vnd.oci.image.manifest.v1+json", subject, subjectSize))"#) }
    if !annotations.isEmpty {
        let pairs = annotations.sorted { $0.key < $1.key }.map { #""\#($0.key)":"\#($0.value)""# }.joined(separator: ",")
        fields.append(#""annotations":{\#(pairs)}"#)
    }
    let bytes = Array("{\(fields.joined(separator: ","))}".utf8)
    return PushedImage(bytes: bytes, digest: sha256(bytes), config: configDigest, layers: [layerDigest])
}

let ociManifest = "application/vnd.oci.image.manifest.v1+json"
let ociIndex = "application/vnd.oci.image.index.v1+json"

/// Expects `body` to throw exactly `expected`.
func expectError<T>(_ expected: RegistryError, sourceLocation: SourceLocation = #_sourceLocation,
                    _ body: () async throws -> T) async {
    do {
        _ = try await body()
        Issue.record("expected \(expected), got success", sourceLocation: sourceLocation)
    } catch let error as RegistryError {
        #expect(error == expected, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(expected), got \(error)", sourceLocation: sourceLocation)
    }
}

/// Every regular file below `directory`.
func filesBelow(_ directory: String) -> [String] {
    guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
    var files: [String] = []
    while let item = enumerator.nextObject() as? String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: "\(directory)/\(item)", isDirectory: &isDirectory), !isDirectory.boolValue {
            files.append(item)
        }
    }
    return files
}
