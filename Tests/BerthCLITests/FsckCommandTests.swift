import BerthEngine
import BerthModel
import Foundation
import BerthTestSupport
import Testing

/// Runs the built `berth` executable and returns its exit status and output (waiting off the
/// cooperative pool).
func runBerth(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
    try await offPool { try runBerthBlocking(arguments) }
}

private func runBerthBlocking(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    try ChildProcess.run(berthExecutable().path, arguments)
}

/// The `berth` binary SwiftPM built beside this test bundle.
func berthExecutable() -> URL {
    var directory = Bundle.main.bundleURL
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("berth")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        directory.deleteLastPathComponent()
    }
    return URL(fileURLWithPath: ".build/debug/berth")
}

@Suite struct FsckCommandTests {
    private func makeRoot() async throws -> (String, Digest) {
        let path = NSTemporaryDirectory() + "berth-cli-\(UUID().uuidString)"
        let registry = try await FileRegistry.open(RegistryConfiguration(root: path, ioThreads: 2, mapSize: 1 << 28))
        let bytes = Array("layer bytes for the fsck command".utf8)
        let digest = try ContentHasher.digest(of: bytes)
        _ = try await registry.pushBlob(to: try RepositoryName(parsing: "app"), digest: digest, bytes: bytes)
        await registry.close()
        return (path, digest)
    }

    @Test func fsckOfACleanRootExitsZero() async throws {
        let (root, _) = try await makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let result = try await runBerth(["fsck", "--root", root])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("1 blobs, 0 manifests checked; 0 problem(s)"))
    }

    @Test func fsckReportsAFlippedByteOnOneLineAndExitsOne() async throws {
        let (root, digest) = try await makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = DataRootLayout(root: root).blobFile(digest)
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes[0] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: path))
        let result = try await runBerth(["fsck", "--root", root])
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("blob-corrupt: \(digest)") })
        #expect(lines.contains { $0.hasPrefix("link-dangling: app links \(digest)") })
    }

    @Test func fsckRepairRefusesARootOwnedByAnotherProcess() async throws {
        let (root, _) = try await makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let owner = try await FileRegistry.open(RegistryConfiguration(root: root, ioThreads: 1, mapSize: 1 << 28))
        let result = try await runBerth(["fsck", "--root", root, "--repair"])
        await owner.close()
        #expect(result.status == 2)
        #expect(result.stderr.contains("in use by another berth process"))
    }

    @Test func fsckRunsReadOnlyBesideAProcessThatOwnsTheRoot() async throws {
        let (root, _) = try await makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let owner = try await FileRegistry.open(RegistryConfiguration(root: root, ioThreads: 1, mapSize: 1 << 28))
        let result = try await runBerth(["fsck", "--root", root])
        await owner.close()
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func helpDescribesFsck() async throws {
        let result = try await runBerth(["fsck", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("re-hash every blob"))
    }
}
