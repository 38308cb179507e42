// swift-tools-version:6.1
import PackageDescription

// Layers, lowest first; a target only ever imports the ones above it in this list:
//   C modules (CLMDB, CZstd, CCrypto) → BerthModel (pure values) → BerthEngine (storage)
//   → BerthHTTP (the OCI API on Hummingbird), BerthWeb (the web interface) → BerthCLI (commands)
//   → berth (the executable).
let package = Package(
    name: "Berth",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "BerthModel", targets: ["BerthModel"]),
        .library(name: "BerthEngine", targets: ["BerthEngine"]),
        .library(name: "BerthHTTP", targets: ["BerthHTTP"]),
        .executable(name: "berth", targets: ["berth"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // No traits: Berth needs neither swift-configuration support nor full Foundation in
        // Hummingbird, and a build without them is faster.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        .systemLibrary(name: "CLMDB", path: "Sources/CLMDB", pkgConfig: "lmdb",
                       providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        // libc's sync_file_range(2), which the Glibc module hides (nothing to link).
        .systemLibrary(name: "CWriteback", path: "Sources/CWriteback"),
        .systemLibrary(name: "CXCrypt", path: "Sources/CXCrypt", providers: [.apt(["libcrypt-dev"])]),
        .target(name: "BerthModel"),
        .target(
            name: "BerthEngine",
            dependencies: [
                "BerthModel", "CLMDB", "CZstd", "CCrypto", "CXCrypt", "CWriteback",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        // Outbound HTTP to other registries (replication's endpoints), on async-http-client:
        // implements the engine's replication roles; the engine decides what travels.
        .target(
            name: "BerthRemote",
            dependencies: [
                "BerthEngine",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "BerthHTTP",
            dependencies: [
                "BerthEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // The web interface: server-rendered pages over the engine's operations (mustache
        // templates, stylesheet and script compiled in), beside the API on the same router.
        .target(
            name: "BerthWeb",
            dependencies: [
                "BerthEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "BerthCLI",
            dependencies: [
                "BerthEngine", "BerthHTTP", "BerthRemote", "BerthWeb",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        .executableTarget(name: "berth", dependencies: ["BerthCLI"]),
        // Helpers the test targets share (child processes without Foundation's `Process`).
        .target(name: "CTestSpawn", path: "Tests/CTestSpawn"),
        .target(name: "BerthTestSupport", dependencies: ["CTestSpawn"], path: "Tests/BerthTestSupport"),
        // Signing for tests: ECDSA keys made with openssl, TUF metadata signed with them.
        .target(name: "BerthSigningTestSupport", dependencies: ["BerthEngine", "BerthTestSupport"], path: "Tests/BerthSigningTestSupport"),
        .testTarget(name: "BerthModelTests", dependencies: ["BerthModel"]),
        .testTarget(name: "BerthEngineTests", dependencies: [
            "BerthEngine",
            "BerthTestSupport",
            "BerthSigningTestSupport",
            .product(name: "MetricsTestKit", package: "swift-metrics"),
        ]),
        .testTarget(name: "BerthHTTPTests", dependencies: [
            "BerthHTTP",
            "BerthRemote",
            "BerthTestSupport",
            "BerthSigningTestSupport",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
        ]),
        .testTarget(name: "BerthWebTests", dependencies: [
            "BerthWeb",
            "BerthHTTP",
            "BerthRemote",
            "BerthTestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "BerthCLITests", dependencies: ["BerthCLI", "berth", "BerthTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
