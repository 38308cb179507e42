// swift-tools-version:6.1
import PackageDescription

// In-process benchmarks of the engine with package-benchmark (ordo-one/benchmark). A package of
// its own, depending on Berth by path: the benchmark plugin inside the root package would double
// its cold build and re-plan it on every other build.
//   cd Benchmarks && swift package benchmark
let package = Package(
    name: "BerthBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Berth", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "EngineBenchmarks",
            dependencies: [
                .product(name: "BerthEngine", package: "Berth"),
                .product(name: "BerthModel", package: "Berth"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/EngineBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Fills a data root with many small blobs for fsck's memory check (Benchmarks/fsck-scale).
        .executableTarget(
            name: "make-blob-store",
            dependencies: [
                .product(name: "BerthEngine", package: "Berth"),
                .product(name: "BerthModel", package: "Berth"),
            ],
            path: "Tools/MakeBlobStore"
        ),
    ],
    swiftLanguageModes: [.v6]
)
