import BerthModel
import Foundation
import Testing
@testable import BerthEngine

@Suite struct PersistenceTests {
    @Test func dataIsIntactAfterReopening() async throws {
        let root = TemporaryRoot()
        var registry = try await root.open()
        let image = try await makeImage(registry, repo("app"), seed: 60)
        _ = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
        let subject = image.digest
        let sig = try await makeImage(registry, repo("app"), seed: 61, artifactType: "application/vnd.example.sig", subject: subject)
        _ = try await registry.putManifest(sig.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(sig.digest))
        await registry.close()

        registry = try await root.open()
        #expect(try registry.manifest(.tag(tag("v1")), in: repo("app")).bytes == image.bytes)
        #expect(try registry.referrers(of: subject, in: repo("app")).map(\.digest) == [sig.digest])
        #expect(try registry.blobInfo(image.config, in: repo("app")).digest == image.config)
        #expect(try registry.catalog().items == [repo("app")])
        await registry.close()
    }

    @Test func openingARootCreatesEveryFanOutDirectoryBeforeAnyCommit() async throws {
        try await withRegistry { _, root in
            let names = try FileManager.default.contentsOfDirectory(atPath: root.layout.blobAlgorithmDirectory(.sha256))
            #expect(names.count == 256)
            #expect(Set(names) == Set((0..<256).map { String(format: "%02x", $0) }))
        }
    }

    @Test func aFullIndexFailsWritesAsStorageFullAndKeepsWhatIsStored() async throws {
        // A map of 1 MiB fills after a few hundred manifests: what a full disk under LMDB does.
        try await withRegistry(configure: { $0.mapSize = 1 << 20 }) { registry, _ in
            var stored: [PushedImage] = []
            var failure: (any Error)?
            for seed in 0..<2000 {
                let image = try await makeImage(registry, repo("app"), seed: UInt64(seed),
                                                annotations: ["org.example.filler": String(repeating: "x", count: 2000) + String(seed)])
                do {
                    _ = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(image.digest))
                    stored.append(image)
                } catch {
                    failure = error
                    break
                }
            }
            #expect(failure as? RegistryError == .storageFull)
            #expect(!stored.isEmpty)
            for image in stored.suffix(5) {
                #expect(try registry.manifest(.digest(image.digest), in: repo("app")).bytes == image.bytes)
            }
        }
    }

    @Test func secondWriterOnTheSameRootFailsAtOnce() async throws {
        let root = TemporaryRoot()
        let owner = try await root.open()
        await #expect(throws: RegistryError.self) { _ = try await root.open() }
        do {
            _ = try await root.open()
        } catch let RegistryError.rootLocked(message) {
            #expect(message.contains("in use by another berth process"))
        }
        await owner.close()
    }

    @Test func readOnlyOpenRefusesWrites() async throws {
        let root = TemporaryRoot()
        let owner = try await root.open()
        let image = try await makeImage(owner, repo("app"), seed: 62)
        _ = try await owner.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
        await owner.close()
        // LMDB allows one open of an environment per process, so "beside a running owner" is
        // tested across processes in the CLI tests; here, the read-only mode itself.
        let reader = try await root.open(readOnly: true)
        #expect(try reader.manifest(.tag(tag("v1")), in: repo("app")).bytes == image.bytes)
        await expectError(.readOnly) { try await reader.deleteTag(tag("v1"), in: repo("app")) }
        await reader.close()
    }

    @Test func lockIsReleasedWhenTheOwnerCloses() async throws {
        let root = TemporaryRoot()
        let first = try await root.open()
        // Held: a second writable open of the same root is refused while the first is open.
        do {
            let intruder = try await root.open()
            await intruder.close()
            Issue.record("a second open succeeded while the root was held")
        } catch RegistryError.rootLocked {
        }
        await first.close()
        let second = try await root.open()
        await second.close()
    }

    @Test func debrisLeftByACrashIsRemovedOnOpen() async throws {
        let root = TemporaryRoot()
        var registry = try await root.open()
        let session = try await registry.startUpload(in: repo("app"))
        await registry.close()
        _ = consume registry
        // A monolithic ingest in flight and an upload file whose record never committed.
        FileManager.default.createFile(atPath: root.layout.temporaryFile("ingest-crashed"), contents: Data([1, 2, 3]))
        FileManager.default.createFile(atPath: "\(root.layout.uploads)/\(UploadID.random())", contents: Data([4]))

        registry = try await root.open()
        #expect(filesBelow(root.layout.temporary).isEmpty)
        #expect(filesBelow(root.layout.uploads) == [session.id.description])
        #expect(try await registry.uploadStatus(session.id, in: repo("app")).offset == 0)
        await registry.close()
    }

    @Test func sessionWhoseFileVanishedIsDroppedOnOpen() async throws {
        let root = TemporaryRoot()
        var registry = try await root.open()
        let session = try await registry.startUpload(in: repo("app"))
        await registry.close()
        _ = consume registry
        try FileManager.default.removeItem(atPath: root.layout.uploadFile(session.id))
        registry = try await root.open()
        await expectError(.uploadUnknown(session.id.description)) { try await registry.uploadStatus(session.id, in: repo("app")) }
        await registry.close()
    }
}
