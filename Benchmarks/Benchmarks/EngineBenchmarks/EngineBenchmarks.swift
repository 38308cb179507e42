import Benchmark
import BerthEngine
import BerthModel
import Foundation
import Synchronization

/// The engine in-process. Throughput benchmarks report bytes per second through `scaledIterations`
/// of 1 MiB; compare "ingest" with "sha256 (libcrypto)" of the same bytes in the same run: the
/// hash is the limit a streaming ingest can reach on one core.
let benchmarks: @Sendable () -> Void = {
    let chunk = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
    let megabytes = 1024

    Benchmark("sha256 (libcrypto) of 1 GiB", configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(10), maxIterations: 5)) { benchmark in
        for _ in benchmark.scaledIterations {
            let hasher = try ContentHasher(.sha256)
            for _ in 0..<megabytes { try hasher.update(chunk) }
            blackHole(try hasher.finish())
        }
    }

    let ingest = Stage()
    Benchmark("ingest 1 GiB (hash + write + fsync + rename)",
              configuration: .init(metrics: [.wallClock, .throughput, .peakMemoryResident], maxDuration: .seconds(10), maxIterations: 5),
              closure: { benchmark in
                  guard let registry = ingest.registry, let repository = ingest.repository else { return }
                  for iteration in benchmark.scaledIterations {
                      guard let (varied, digest) = Fixture.unique(chunk, times: megabytes, mark: iteration &+ Int(ingest.counter.add())) else { return }
                      benchmark.startMeasurement()
                      _ = try? await registry.pushBlob(to: repository, digest: digest, body: RepeatedChunk(chunk: varied, count: megabytes))
                      benchmark.stopMeasurement()
                  }
              },
              setup: { try await ingest.open() },
              teardown: { await ingest.close() })

    let chunked = Stage()
    Benchmark("ingest 1 GiB as an upload of 16 MiB chunks (each durable before the next)",
              configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(10), maxIterations: 5),
              closure: { benchmark in
                  guard let registry = chunked.registry, let repository = chunked.repository else { return }
                  for iteration in benchmark.scaledIterations {
                      guard let (varied, digest) = Fixture.unique(chunk, times: megabytes, mark: iteration &+ Int(chunked.counter.add())) else { return }
                      benchmark.startMeasurement()
                      guard let session = try? await registry.startUpload(in: repository) else { return }
                      for _ in 0..<(megabytes / 16) {
                          _ = try? await registry.appendUpload(session.id, in: repository, body: RepeatedChunk(chunk: varied, count: 16))
                      }
                      _ = try? await registry.finishUpload(session.id, in: repository, digest: digest)
                      benchmark.stopMeasurement()
                  }
              },
              setup: { try await chunked.open() },
              teardown: { await chunked.close() })

    let puts = Stage()
    Benchmark("put manifest", configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(3), maxIterations: 2000),
              closure: { benchmark in
                  guard let registry = puts.registry, let repository = puts.repository, let config = puts.config else { return }
                  for _ in benchmark.scaledIterations {
                      let n = puts.counter.add()
                      let bytes = Fixture.manifest(config: config, annotation: "\(n)")
                      _ = try? await registry.putManifest(bytes, contentType: MediaType.ociImageManifest.rawValue, in: repository,
                                                         reference: .tag(Tag.benchmark("v\(n)")))
                  }
              },
              setup: { try await puts.open() },
              teardown: { await puts.close() })

    let gets = Stage()
    Benchmark("get manifest by tag", configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(3), maxIterations: 100_000),
              closure: { benchmark in
                  guard let registry = gets.registry, let repository = gets.repository else { return }
                  let tag = Reference.tag(Tag.benchmark("latest"))
                  for _ in benchmark.scaledIterations { blackHole(try? registry.manifest(tag, in: repository)) }
              },
              setup: {
                  try await gets.open()
                  guard let registry = gets.registry, let repository = gets.repository, let config = gets.config else { return }
                  _ = try await registry.putManifest(Fixture.manifest(config: config, annotation: "x"), contentType: MediaType.ociImageManifest.rawValue,
                                                     in: repository, reference: .tag(Tag.benchmark("latest")))
              },
              teardown: { await gets.close() })

    let signature = "application/vnd.example.sig"
    for count in [10, 1000, 100_000] {
        let stage = Stage()
        let subject = (try? ContentHasher.digest(of: Array("subject".utf8)))
        Benchmark("referrers: first page (1 000) of \(count.formatted()) referrers",
                  configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(3), maxIterations: 10_000),
                  closure: { benchmark in
                      guard let registry = stage.registry, let repository = stage.repository, let subject else { return }
                      for _ in benchmark.scaledIterations {
                          blackHole(try? registry.referrers(of: subject, in: repository, after: nil, limit: 1000))
                      }
                  },
                  setup: {
                      try await stage.open()
                      try await Fixture.referrers(stage, subject: subject, count: count, signatureEvery: count / 10)
                  },
                  teardown: { await stage.close() })
    }

    let filtered = Stage()
    let filteredSubject = (try? ContentHasher.digest(of: Array("filtered".utf8)))
    Benchmark("referrers: 10 of 100 000 by artifactType", configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(3), maxIterations: 10_000),
              closure: { benchmark in
                  guard let registry = filtered.registry, let repository = filtered.repository, let filteredSubject else { return }
                  let filter = MediaType(rawValue: signature)
                  for _ in benchmark.scaledIterations {
                      blackHole(try? registry.referrers(of: filteredSubject, in: repository, artifactType: filter, after: nil, limit: 1000))
                  }
              },
              setup: {
                  try await filtered.open()
                  try await Fixture.referrers(filtered, subject: filteredSubject, count: 100_000, signatureEvery: 10_000)
              },
              teardown: { await filtered.close() })

    let tagged = Stage()
    Benchmark("tags: list all of 100 000", configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(5), maxIterations: 100),
              closure: { benchmark in
                  guard let registry = tagged.registry, let repository = tagged.repository else { return }
                  for _ in benchmark.scaledIterations {
                      var last: String?
                      var total = 0
                      while true {
                          guard let page = try? registry.tags(in: repository, after: last, limit: 4096) else { break }
                          total += page.items.count
                          guard page.hasMore, let tail = page.items.last else { break }
                          last = tail.value
                      }
                      blackHole(total)
                  }
              },
              setup: {
                  try await tagged.open()
                  guard let registry = tagged.registry, let repository = tagged.repository, let config = tagged.config else { return }
                  let bytes = Fixture.manifest(config: config, annotation: "tagged")
                  try await Fixture.concurrently(100_000) { index in
                      _ = try await registry.putManifest(bytes, contentType: MediaType.ociImageManifest.rawValue, in: repository,
                                                         reference: .tag(Tag.benchmark(String(format: "v%06d", index))))
                  }
              },
              teardown: { await tagged.close() })

    let collected = Stage()
    Benchmark("gc: mark and sweep a store of 10 000 manifests", configuration: .init(metrics: [.wallClock], maxDuration: .seconds(10), maxIterations: 20),
              closure: { benchmark in
                  guard let registry = collected.registry else { return }
                  for _ in benchmark.scaledIterations {
                      blackHole(try? await GarbageCollector(registry: registry).run(GarbageCollectionOptions(blobGrace: .zero)))
                  }
              },
              setup: {
                  try await collected.open()
                  guard let registry = collected.registry, let repository = collected.repository, let config = collected.config else { return }
                  try await Fixture.concurrently(10_000) { index in
                      let bytes = Fixture.manifest(config: config, annotation: "\(index)")
                      _ = try await registry.putManifest(bytes, contentType: MediaType.ociImageManifest.rawValue, in: repository,
                                                         reference: .tag(Tag.benchmark("m\(index)")))
                  }
              },
              teardown: { await collected.close() })

    // The store is filled once (a minute or two); each iteration closes and reopens it.
    let manifestCount = Int(ProcessInfo.processInfo.environment["BERTH_BENCH_REOPEN_MANIFESTS"] ?? "") ?? 1_000_000
    let reopened = Stage()
    Benchmark("reopen a store of \(manifestCount.formatted()) manifests", configuration: .init(metrics: [.wallClock], maxDuration: .seconds(10), maxIterations: 20),
              closure: { benchmark in
                  guard let root = reopened.root else { return }
                  for _ in benchmark.scaledIterations {
                      await reopened.registry?.close()
                      reopened.registry = nil
                      benchmark.startMeasurement()
                      reopened.registry = try? await FileRegistry.open(RegistryConfiguration(root: root))
                      benchmark.stopMeasurement()
                  }
              },
              setup: {
                  try await reopened.open()
                  guard let registry = reopened.registry, let repository = reopened.repository, let config = reopened.config else { return }
                  try await Fixture.concurrently(manifestCount) { index in
                      let bytes = Fixture.manifest(config: config, annotation: "\(index)")
                      _ = try await registry.putManifest(bytes, contentType: MediaType.ociImageManifest.rawValue, in: repository,
                                                         reference: .digest(try ContentHasher.digest(of: bytes)))
                  }
              },
              teardown: { await reopened.close() })
}

/// A registry opened in a benchmark's setup and closed in its teardown.
final class Stage: @unchecked Sendable {
    // @unchecked: written by setup and teardown, which package-benchmark runs before and after
    // the measured closure, never at the same time as it.
    var registry: FileRegistry?
    var root: String?
    var repository: RepositoryName?
    var config: Digest?
    let counter = Counter()

    func open() async throws {
        let (registry, root, repository, config) = try await Fixture.make()
        self.registry = registry
        self.root = root
        self.repository = repository
        self.config = config
    }

    func close() async {
        await registry?.close()
        if let root { try? FileManager.default.removeItem(atPath: root) }
        registry = nil
    }
}

/// A counter shared by iterations (unique tags and blobs).
final class Counter: Sendable {
    private let value = Mutex(0)
    func add() -> Int { value.withLock { $0 += 1; return $0 } }
}

extension Tag {
    /// A tag the benchmarks know to be valid.
    static func benchmark(_ text: String) -> Tag {
        guard let tag = try? Tag(parsing: text) else { preconditionFailure("invalid benchmark tag \(text)") }
        return tag
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
    /// `chunk` with its first byte changed by `mark` (so every push stores new content), and
    /// the digest of it repeated `times` times: computed before the measurement starts.
    static func unique(_ chunk: [UInt8], times: Int, mark: Int) -> ([UInt8], Digest)? {
        var varied = chunk
        varied[0] = UInt8(truncatingIfNeeded: mark)
        guard let hasher = try? ContentHasher(.sha256) else { return nil }
        for _ in 0..<times { try? hasher.update(varied) }
        guard let digest = try? hasher.finish() else { return nil }
        return (varied, digest)
    }

    static func make() async throws -> (FileRegistry, String, RepositoryName, Digest) {
        let root = NSTemporaryDirectory() + "berth-bench-\(UUID().uuidString)"
        let registry = try await FileRegistry.open(RegistryConfiguration(root: root))
        let repository = try RepositoryName(parsing: "bench/app")
        let config = Array(#"{"architecture":"amd64","os":"linux"}"#.utf8)
        let digest = try ContentHasher.digest(of: config)
        _ = try await registry.pushBlob(to: repository, digest: digest, bytes: config)
        return (registry, root, repository, digest)
    }

    /// Runs `body` for 0..<count with 256 tasks in flight, so group commit batches index writes.
    static func concurrently(_ count: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            while next < min(count, 256) {
                let index = next
                group.addTask { try await body(index) }
                next += 1
            }
            while try await group.next() != nil {
                guard next < count else { continue }
                let index = next
                group.addTask { try await body(index) }
                next += 1
            }
        }
    }

    /// `count` referrers of `subject`: every `signatureEvery`-th a signature, the rest SBOMs.
    static func referrers(_ stage: Stage, subject: Digest?, count: Int, signatureEvery: Int) async throws {
        guard let registry = stage.registry, let repository = stage.repository, let config = stage.config, let subject else { return }
        try await concurrently(count) { index in
            let type = index % max(signatureEvery, 1) == 0 ? "application/vnd.example.sig" : "application/vnd.example.sbom"
            let bytes = manifest(config: config, annotation: "\(index)", artifactType: type, subject: subject)
            _ = try await registry.putManifest(bytes, contentType: MediaType.ociImageManifest.rawValue, in: repository,
                                               reference: .digest(try ContentHasher.digest(of: bytes)))
        }
    }

    static func manifest(config: Digest, annotation: String, artifactType: String? = nil, subject: Digest? = nil) -> [UInt8] {
        var text = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(config)","size":37},"layers":[],"annotations":{"n":"\#(annotation)"}"#
        if let artifactType { text += #","artifactType":"\#(artifactType)""# }
        if let subject { text += #","subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(subject)","size":1}"# }
        return Array((text + "}").utf8)
    }
}
