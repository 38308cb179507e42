import BerthModel
import Foundation
import Testing
@testable import BerthEngine

/// A data root on a 4 MiB tmpfs (the test mounts it; these machines run tests as root).
@Suite(.serialized) struct FullDiskTests {
    @Test func aFullDiskFailsThePushClearlyAndHarmsNothingStored() async throws {
        let mountPoint = NSTemporaryDirectory() + "berth-full-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: mountPoint) }
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        mount.arguments = ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint]
        try mount.run()
        mount.waitUntilExit()
        try #require(mount.terminationStatus == 0, "mounting a tmpfs needs root")
        defer {
            let unmount = Process()
            unmount.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            unmount.arguments = ["umount", mountPoint]
            try? unmount.run()
            unmount.waitUntilExit()
        }
        let registry = try await Registry.open(RegistryConfiguration(root: "\(mountPoint)/root", ioThreads: 2, mapSize: 1 << 20))
        let small = pseudoRandomBytes(100_000, seed: 1)
        let kept = try await pushBlob(registry, repo("app"), small)
        let huge = pseudoRandomBytes(6 << 20, seed: 2)
        await expectError(.storageFull) {
            try await registry.pushBlob(to: repo("app"), digest: sha256(huge), body: Chunks(huge, size: 1 << 20))
        }
        #expect(filesBelow("\(mountPoint)/root/tmp").isEmpty)
        let reader = try await registry.openBlob(kept, in: repo("app"))
        #expect(try await registry.read(reader, at: 0, count: small.count) == small)
        // Space is back once the failed push is gone: the next push works.
        _ = try await pushBlob(registry, repo("app"), pseudoRandomBytes(1000, seed: 3))
        await registry.close()
    }
}
