// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for Berth's parsers. A package of its own, so the fuzz build (with
// -sanitize=fuzzer,address, in its own scratch path) compiles only the model layer and never
// disturbs the main build. `Fuzz/run` builds and runs it; without -DFUZZING the same binary
// replays the saved corpus.
let package = Package(
    name: "BerthFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Berth", path: ".."),
    ],
    targets: [
        .target(name: "CFuzzerDriver", path: "Sources/CFuzzerDriver"),
        .executableTarget(
            name: "BerthFuzz",
            dependencies: [
                .product(name: "BerthModel", package: "Berth"),
                "CFuzzerDriver",
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
