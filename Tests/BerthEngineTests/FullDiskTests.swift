import BerthModel
import Foundation
import BerthTestSupport
import Testing
@testable import BerthEngine

/// A data root on a 4 MiB tmpfs (the test mounts it; these machines run tests as root).
@Suite(.serialized) struct FullDiskTests {
    /// Mounts a tmpfs of `megabytes` for the body, unmounting it afterwards.
    private func withSmallDisk(megabytes: Int, _ body: (String) async throws -> Void) async throws {
        let mountPoint = NSTemporaryDirectory() + "berth-full-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: mountPoint) }
        let mounted = try ChildProcess.run("mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", mountPoint])
        try #require(mounted.status == 0, "mounting a tmpfs needs root")
        defer { _ = try? ChildProcess.run("umount", [mountPoint]) }
        try await body(mountPoint)
    }

    @Test func anUploadInterruptedByAFullDiskResumesWithACorrectDigest() async throws {
        try await withSmallDisk(megabytes: 6) { mountPoint in
            let registry = try await FileRegistry.open(RegistryConfiguration(root: "\(mountPoint)/root", ioThreads: 2, mapSize: 1 << 20))
            let content = pseudoRandomBytes(3 << 20, seed: 7)
            let session = try await registry.startUpload(in: repo("app"))
            _ = try await registry.appendUpload(session.id, in: repo("app"), body: OneChunk(Array(content[..<(1 << 20)])))
            // Fill the disk, so the rest of the upload does not fit.
            let filler = pseudoRandomBytes(4 << 20, seed: 8)
            let fillerDigest = try await pushBlob(registry, repo("filler"), filler)
            do {
                _ = try await registry.appendUpload(session.id, in: repo("app"), body: Chunks(Array(content[(1 << 20)...]), size: 1 << 20))
                Issue.record("expected the disk to be full")
            } catch RegistryError.storageFull {}
            // Space comes back (as garbage collection would give it); the client resumes.
            try FileManager.default.removeItem(atPath: registry.layout.blobFile(fillerDigest))
            let offset = try await registry.uploadStatus(session.id, in: repo("app")).offset
            _ = try await registry.appendUpload(session.id, in: repo("app"), at: offset, body: OneChunk(Array(content[Int(offset)...])))
            let info = try await registry.finishUpload(session.id, in: repo("app"), digest: sha256(content))
            #expect(info.size == Int64(content.count))
            // The stored file holds exactly the content: nothing a failed write left behind.
            #expect(FileManager.default.contents(atPath: registry.layout.blobFile(sha256(content))) == Data(content))
            await registry.close()
        }
    }

    @Test func aFullDiskFailsThePushClearlyAndHarmsNothingStored() async throws {
        try await withSmallDisk(megabytes: 4) { mountPoint in
        let registry = try await FileRegistry.open(RegistryConfiguration(root: "\(mountPoint)/root", ioThreads: 2, mapSize: 1 << 20))
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
}
