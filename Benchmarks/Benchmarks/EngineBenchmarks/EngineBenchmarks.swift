import Benchmark
import BerthEngine
import BerthModel
import Foundation

/// The engine in-process. Throughput benchmarks report bytes per second through `scaledIterations`
/// of 1 MiB; compare "ingest" with "sha256 (libcrypto)" of the same bytes in the same run: the
/// hash is the limit a streaming ingest can reach on one core.
let benchmarks: @Sendable () -> Void = {
    let chunk = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
    let megabytes = 256

    Benchmark("sha256 (libcrypto) of 256 MiB", configuration: .init(metrics: [.wallClock, .throughput], scalingFactor: .mega, maxIterations: 5)) { benchmark in
        for _ in benchmark.scaledIterations {
            let hasher = try ContentHasher(.sha256)
            for _ in 0..<megabytes { try hasher.update(chunk) }
            blackHole(try hasher.finish())
        }
    }

    Benchmark("ingest 256 MiB (hash + write + fsync + rename)", configuration: .init(metrics: [.wallClock, .throughput, .peakMemoryResident], scalingFactor: .mega, maxIterations: 5)) { benchmark in
        let root = NSTemporaryDirectory() + "berth-bench-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let registry = try await Registry.open(RegistryConfiguration(root: root))
        let repository = try RepositoryName(parsing: "bench/ingest")
        for iteration in benchmark.scaledIterations {
            var varied = chunk
            varied[0] = UInt8(truncatingIfNeeded: iteration)
            let hasher = try ContentHasher(.sha256)
            for _ in 0..<megabytes { try hasher.update(varied) }
            let digest = try hasher.finish()
            benchmark.startMeasurement()
            _ = try await registry.pushBlob(to: repository, digest: digest, body: RepeatedChunk(chunk: varied, count: megabytes))
            benchmark.stopMeasurement()
        }
        await registry.close()
    }

    Benchmark("put manifest", configuration: .init(metrics: [.wallClock, .throughput], maxIterations: 2000)) { benchmark in
        let (registry, root, repository, config) = try await Fixture.make()
        defer { try? FileManager.default.removeItem(atPath: root) }
        for iteration in benchmark.scaledIterations {
            let bytes = Fixture.manifest(config: config, annotation: "\(iteration)")
            _ = try await registry.putManifest(bytes, contentType: MediaType.ociImageManifest.rawValue, in: repository,
                                               reference: .tag(try Tag(parsing: "v\(iteration)")))
        }
        await registry.close()
    }

    Benchmark("get manifest by tag", configuration: .init(metrics: [.wallClock, .throughput], maxIterations: 100_000)) { benchmark in
        let (registry, root, repository, config) = try await Fixture.make()
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = try await registry.putManifest(Fixture.manifest(config: config, annotation: "x"), contentType: MediaType.ociImageManifest.rawValue,
                                           in: repository, reference: .tag(try Tag(parsing: "latest")))
        let tag = Reference.tag(try Tag(parsing: "latest"))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try registry.manifest(tag, in: repository)) }
        benchmark.stopMeasurement()
        await registry.close()
    }

    Benchmark("referrers: 10 of 10 000 by artifactType", configuration: .init(metrics: [.wallClock, .throughput], maxIterations: 10_000)) { benchmark in
        let (registry, root, repository, config) = try await Fixture.make()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let subject = try ContentHasher.digest(of: Array("subject".utf8))
        for index in 0..<10_000 {
            let type = index % 1000 == 0 ? "application/vnd.example.sig" : "application/vnd.example.other"
            let bytes = Fixture.manifest(config: config, annotation: "\(index)", artifactType: type, subject: subject)
            _ = try await registry.putManifest(bytes, contentType: MediaType.ociImageManifest.rawValue, in: repository,
                                               reference: .digest(try ContentHasher.digest(of: bytes)))
        }
        let filter = MediaType(rawValue: "application/vnd.example.sig")
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try registry.referrers(of: subject, in: repository, artifactType: filter)) }
        benchmark.stopMeasurement()
        await registry.close()
    }
}

/// A body of `count` copies of one chunk, without holding them all.
struct RepeatedChunk: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let chunk: [UInt8]
    let count: Int
    func makeAsyncIterator() -> Iterator { Iterator(chunk: chunk, remaining: count) }
    struct Iterator: AsyncIteratorProtocol {
        let chunk: [UInt8]
        var remaining: Int
        mutating func next() async -> [UInt8]? {
            guard remaining > 0 else { return nil }
            remaining -= 1
            return chunk
        }
    }
}

/// A registry with one config blob, for manifest benchmarks.
enum Fixture {
    static func make() async throws -> (Registry, String, RepositoryName, Digest) {
        let root = NSTemporaryDirectory() + "berth-bench-\(UUID().uuidString)"
        let registry = try await Registry.open(RegistryConfiguration(root: root))
        let repository = try RepositoryName(parsing: "bench/app")
        let config = Array(#"{"architecture":"amd64","os":"linux"}"#.utf8)
        let digest = try ContentHasher.digest(of: config)
        _ = try await registry.pushBlob(to: repository, digest: digest, bytes: config)
        return (registry, root, repository, digest)
    }

    static func manifest(config: Digest, annotation: String, artifactType: String? = nil, subject: Digest? = nil) -> [UInt8] {
        var text = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(config)","size":37},"layers":[],"annotations":{"n":"\#(annotation)"}"#
        if let artifactType { text += #","artifactType":"\#(artifactType)""# }
        if let subject { text += #","subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(subject)","size":1}"# }
        return Array((text + "}").utf8)
    }
}
