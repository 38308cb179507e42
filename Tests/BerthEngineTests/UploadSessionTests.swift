import BerthModel
import Foundation
import Testing
@testable import BerthEngine

@Suite struct UploadSessionTests {
    @Test func chunkedUploadFinishesIntoALinkedBlob() async throws {
        try await withRegistry { registry, _ in
            let bytes = pseudoRandomBytes(300_000, seed: 10)
            let session = try await registry.startUpload(in: repo("app"))
            #expect(session.offset == 0)
            var offset: Int64 = 0
            for start in stride(from: 0, to: bytes.count, by: 100_000) {
                let chunk = Array(bytes[start..<start + 100_000])
                let after = try await registry.appendUpload(session.id, in: repo("app"), at: offset, body: OneChunk(chunk))
                offset += 100_000
                #expect(after.offset == offset)
            }
            let info = try await registry.finishUpload(session.id, in: repo("app"), digest: sha256(bytes))
            #expect(info.size == 300_000)
            let reader = try await registry.openBlob(sha256(bytes), in: repo("app"))
            #expect(try await registry.read(reader, at: 0, count: 300_000) == bytes)
            await expectError(.uploadUnknown(session.id.description)) { try await registry.uploadStatus(session.id, in: repo("app")) }
        }
    }

    @Test func finishCanCarryTheLastChunk() async throws {
        try await withRegistry { registry, _ in
            let bytes = pseudoRandomBytes(50_000, seed: 11)
            let session = try await registry.startUpload(in: repo("app"))
            _ = try await registry.appendUpload(session.id, in: repo("app"), body: OneChunk(Array(bytes[..<20_000])))
            let info = try await registry.finishUpload(session.id, in: repo("app"), digest: sha256(bytes), at: 20_000,
                                                       lastChunk: OneChunk(Array(bytes[20_000...])))
            #expect(info.digest == sha256(bytes))
        }
    }

    @Test func chunkAtTheWrongOffsetIsRefusedAndTheSessionStaysUsable() async throws {
        try await withRegistry { registry, _ in
            let bytes = pseudoRandomBytes(2000, seed: 12)
            let session = try await registry.startUpload(in: repo("app"))
            _ = try await registry.appendUpload(session.id, in: repo("app"), at: 0, body: OneChunk(Array(bytes[..<1000])))
            await expectError(.uploadOffsetMismatch(expected: 1000, got: 500)) {
                try await registry.appendUpload(session.id, in: repo("app"), at: 500, body: OneChunk(Array(bytes[500...])))
            }
            #expect(try await registry.uploadStatus(session.id, in: repo("app")).offset == 1000)
            _ = try await registry.appendUpload(session.id, in: repo("app"), at: 1000, body: OneChunk(Array(bytes[1000...])))
            let info = try await registry.finishUpload(session.id, in: repo("app"), digest: sha256(bytes))
            #expect(info.size == 2000)
        }
    }

    @Test func sessionIsBoundToItsRepository() async throws {
        try await withRegistry { registry, _ in
            let session = try await registry.startUpload(in: repo("app"))
            await expectError(.uploadUnknown(session.id.description)) { try await registry.uploadStatus(session.id, in: repo("other")) }
            await expectError(.uploadUnknown(session.id.description)) {
                try await registry.appendUpload(session.id, in: repo("other"), body: OneChunk([1, 2, 3]))
            }
        }
    }

    @Test func uploadResumesAfterTheStoreIsReopened() async throws {
        let root = TemporaryRoot()
        let bytes = pseudoRandomBytes(1 << 20, seed: 13)
        var registry = try await root.open()
        let session = try await registry.startUpload(in: repo("app"))
        _ = try await registry.appendUpload(session.id, in: repo("app"), body: Chunks(Array(bytes[..<600_000]), size: 50_000))
        await registry.close()

        registry = try await root.open()
        #expect(try await registry.uploadStatus(session.id, in: repo("app")).offset == 600_000)
        _ = try await registry.appendUpload(session.id, in: repo("app"), at: 600_000, body: OneChunk(Array(bytes[600_000...])))
        let info = try await registry.finishUpload(session.id, in: repo("app"), digest: sha256(bytes))
        #expect(info.size == Int64(bytes.count))
        let reader = try await registry.openBlob(sha256(bytes), in: repo("app"))
        #expect(try await registry.read(reader, at: 0, count: bytes.count) == bytes)
        await registry.close()
    }

    @Test func bytesPastTheDurableOffsetAreDiscardedOnResume() async throws {
        let root = TemporaryRoot()
        let bytes = pseudoRandomBytes(10_000, seed: 14)
        var registry = try await root.open()
        let session = try await registry.startUpload(in: repo("app"))
        _ = try await registry.appendUpload(session.id, in: repo("app"), body: OneChunk(Array(bytes[..<4000])))
        await registry.close()
        // A crash mid-chunk: bytes on disk that no index commit acknowledged.
        let handle = try #require(FileHandle(forWritingAtPath: root.layout.uploadFile(session.id)))
        handle.seekToEndOfFile()
        handle.write(Data(repeating: 0xEE, count: 777))
        handle.closeFile()

        registry = try await root.open()
        #expect(try await registry.uploadStatus(session.id, in: repo("app")).offset == 4000)
        _ = try await registry.appendUpload(session.id, in: repo("app"), at: 4000, body: OneChunk(Array(bytes[4000...])))
        #expect(try await registry.finishUpload(session.id, in: repo("app"), digest: sha256(bytes)).size == 10_000)
        await registry.close()
    }

    @Test func bodyThatFailsMidwayKeepsTheBytesReceived() async throws {
        try await withRegistry { registry, _ in
            let bytes = pseudoRandomBytes(3000, seed: 15)
            let session = try await registry.startUpload(in: repo("app"))
            do {
                _ = try await registry.appendUpload(session.id, in: repo("app"),
                                                    body: FailingBody(chunks: [Array(bytes[..<1000]), Array(bytes[1000..<1500])]))
                Issue.record("expected the body's failure")
            } catch {}
            #expect(try await registry.uploadStatus(session.id, in: repo("app")).offset == 1500)
            _ = try await registry.appendUpload(session.id, in: repo("app"), at: 1500, body: OneChunk(Array(bytes[1500...])))
            #expect(try await registry.finishUpload(session.id, in: repo("app"), digest: sha256(bytes)).size == 3000)
        }
    }

    @Test func finishWithTheWrongDigestStoresNothingAndEndsTheSession() async throws {
        try await withRegistry { registry, root in
            let bytes = pseudoRandomBytes(3000, seed: 16)
            let session = try await registry.startUpload(in: repo("app"))
            _ = try await registry.appendUpload(session.id, in: repo("app"), body: OneChunk(bytes))
            let wrong = sha256("not it")
            await expectError(.digestMismatch(expected: wrong, actual: sha256(bytes))) {
                try await registry.finishUpload(session.id, in: repo("app"), digest: wrong)
            }
            #expect(filesBelow("\(root.path)/blobs").isEmpty)
            #expect(filesBelow("\(root.path)/uploads").isEmpty)
            await expectError(.uploadUnknown(session.id.description)) { try await registry.uploadStatus(session.id, in: repo("app")) }
        }
    }

    @Test func chunkedUploadCanFinishWithASha512Digest() async throws {
        try await withRegistry { registry, root in
            let bytes = pseudoRandomBytes(200_000, seed: 17)
            let digest = try ContentHasher.digest(of: bytes, using: .sha512)
            let session = try await registry.startUpload(in: repo("app"))
            _ = try await registry.appendUpload(session.id, in: repo("app"), body: Chunks(bytes, size: 30_000))
            #expect(try await registry.finishUpload(session.id, in: repo("app"), digest: digest).digest == digest)
            #expect(FileManager.default.contents(atPath: root.layout.blobFile(digest)) == Data(bytes))
        }
    }

    @Test func cancelRemovesTheSessionAndItsFile() async throws {
        try await withRegistry { registry, root in
            let session = try await registry.startUpload(in: repo("app"))
            _ = try await registry.appendUpload(session.id, in: repo("app"), body: OneChunk([1, 2, 3]))
            try await registry.cancelUpload(session.id, in: repo("app"))
            #expect(filesBelow("\(root.path)/uploads").isEmpty)
            await expectError(.uploadUnknown(session.id.description)) { try await registry.uploadStatus(session.id, in: repo("app")) }
        }
    }

    @Test func idleSessionsExpireWithTheirFiles() async throws {
        try await withRegistry { registry, root in
            let old = try await registry.startUpload(in: repo("app"))
            try await registry.expireUploads(now: Date().addingTimeInterval(25 * 3600))
            #expect(filesBelow("\(root.path)/uploads").isEmpty)
            await expectError(.uploadUnknown(old.id.description)) { try await registry.uploadStatus(old.id, in: repo("app")) }
        }
    }

    @Test func sessionsWithinTheExpiryAreKept() async throws {
        try await withRegistry { registry, _ in
            let session = try await registry.startUpload(in: repo("app"))
            try await registry.expireUploads(now: Date().addingTimeInterval(23 * 3600))
            #expect(try await registry.uploadStatus(session.id, in: repo("app")).offset == 0)
        }
    }

    @Test func theUploadLimitCountsEachOwnersSessionsAndNotAnonymousOnes() async throws {
        try await withRegistry { registry, _ in
            _ = try await registry.startUpload(in: repo("app"), owner: "alice", limit: 1)
            await expectError(.tooManyUploads(limit: 1)) { try await registry.startUpload(in: repo("app"), owner: "alice", limit: 1) }
            _ = try await registry.startUpload(in: repo("app"), owner: "bob", limit: 1)
            // Without accounts every client would share one allowance: one could use it up for all.
            for _ in 0..<3 { _ = try await registry.startUpload(in: repo("app"), owner: nil, limit: 1) }
        }
    }

    @Test func uploadIdsAreRandomAndUnguessable() async throws {
        try await withRegistry { registry, _ in
            var ids = Set<String>()
            for _ in 0..<50 { ids.insert(try await registry.startUpload(in: repo("app")).id.description) }
            #expect(ids.count == 50)
            #expect(ids.allSatisfy { $0.count == 32 })
        }
    }
}

/// A body that trickles: one small chunk every `interval`.
struct TricklingBody: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let chunks: Int
    let interval: Duration
    func makeAsyncIterator() -> Iterator { Iterator(remaining: chunks, interval: interval) }
    struct Iterator: AsyncIteratorProtocol {
        var remaining: Int
        let interval: Duration
        mutating func next() async throws -> [UInt8]? {
            guard remaining > 0 else { return nil }
            remaining -= 1
            try await Task.sleep(for: interval)
            return [1, 2, 3, 4]
        }
    }
}

@Suite struct SlowBodyTests {
    @Test func aBodyArrivingSlowerThanTheMinimumRateIsCutOff() async throws {
        let root = TemporaryRoot()
        var configuration = root.configuration()
        configuration.minimumBodyRate = 10_000
        configuration.slowBodyGrace = .milliseconds(100)
        let registry = try await FileRegistry.open(configuration)
        let session = try await registry.startUpload(in: repo("app"))
        await expectError(.bodyTooSlow(minimum: 10_000)) {
            try await registry.appendUpload(session.id, in: repo("app"), body: TricklingBody(chunks: 50, interval: .milliseconds(20)))
        }
        // What did arrive is kept, as for any interrupted body.
        #expect(try await registry.uploadStatus(session.id, in: repo("app")).offset > 0)
        await registry.close()
    }

    @Test func aSlowButSteadyBodyWithinTheGraceIsAccepted() async throws {
        let root = TemporaryRoot()
        var configuration = root.configuration()
        configuration.minimumBodyRate = 10_000
        // A grace far longer than the body takes, however loaded the machine.
        configuration.slowBodyGrace = .seconds(60)
        let registry = try await FileRegistry.open(configuration)
        let session = try await registry.startUpload(in: repo("app"))
        let after = try await registry.appendUpload(session.id, in: repo("app"), body: TricklingBody(chunks: 5, interval: .milliseconds(20)))
        #expect(after.offset == 20)
        await registry.close()
    }

    @Test func requestsForUnknownUploadsLeaveNoSessionBehind() async throws {
        try await withRegistry { registry, _ in
            for _ in 0..<50 {
                let id = UploadID.random()
                await expectError(.uploadUnknown(id.description)) {
                    _ = try await registry.appendUpload(id, in: repo("app"), body: OneChunk([1, 2, 3]))
                }
            }
            #expect(registry.sessions.count == 0)
        }
    }

    @Test func idleWritersAreCappedAndAnEvictedUploadStillFinishesWithTheRightDigest() async throws {
        let root = TemporaryRoot()
        var configuration = root.configuration()
        configuration.maximumIdleUploadWriters = 2
        let registry = try await FileRegistry.open(configuration)
        do {
            let contents = (0..<4).map { pseudoRandomBytes(40_000, seed: UInt64(20 + $0)) }
            var sessions: [UploadRecord] = []
            for content in contents {
                let session = try await registry.startUpload(in: repo("app"))
                _ = try await registry.appendUpload(session.id, in: repo("app"), body: OneChunk(Array(content[..<20_000])))
                sessions.append(session)
            }
            #expect(registry.sessions.idleWriters == 2)
            // The first two were evicted: their hashes are rebuilt from their partial files.
            for (session, content) in zip(sessions, contents) {
                let info = try await registry.finishUpload(session.id, in: repo("app"), digest: sha256(content), at: 20_000,
                                                           lastChunk: OneChunk(Array(content[20_000...])))
                #expect(info.digest == sha256(content))
            }
            #expect(registry.sessions.count == 0)
            await registry.close()
        } catch {
            await registry.close()
            throw error
        }
    }

    @Test func aStorageFailureWhileFinishingKeepsTheUploadResumable() async throws {
        try await withRegistry { registry, root in
            let content = pseudoRandomBytes(30_000, seed: 31)
            let digest = sha256(content)
            let session = try await registry.startUpload(in: repo("app"))
            _ = try await registry.appendUpload(session.id, in: repo("app"), body: OneChunk(Array(content[..<10_000])))
            // A file where the blob's fan-out directory goes: the rename fails (ENOTDIR), root or not.
            let fanout = root.layout.blobFanoutDirectory(digest)
            try FileManager.default.removeItem(atPath: fanout)
            #expect(FileManager.default.createFile(atPath: fanout, contents: Data([0])))
            await #expect(throws: RegistryError.self) {
                _ = try await registry.finishUpload(session.id, in: repo("app"), digest: digest, at: 10_000,
                                                    lastChunk: OneChunk(Array(content[10_000...])))
            }
            #expect(try await registry.uploadStatus(session.id, in: repo("app")).offset == 10_000)
            try FileManager.default.removeItem(atPath: fanout)
            let info = try await registry.finishUpload(session.id, in: repo("app"), digest: digest, at: 10_000,
                                                       lastChunk: OneChunk(Array(content[10_000...])))
            #expect(info.digest == digest)
            let reader = try await registry.openBlob(digest, in: repo("app"))
            #expect(try await registry.read(reader, at: 0, count: 30_000) == content)
        }
    }

    @Test func expiryClaimsSessionsAndSkipsOnesInUse() async throws {
        try await withRegistry { registry, _ in
            let idle = try await registry.startUpload(in: repo("app"))
            let held = try await registry.startUpload(in: repo("app"))
            let lease = try registry.sessions.acquire(held.id)
            try await registry.expireUploads(now: Date().addingTimeInterval(48 * 3600))
            _ = lease
            registry.sessions.release(held.id)
            await expectError(.uploadUnknown(idle.id.description)) { try await registry.uploadStatus(idle.id, in: repo("app")) }
            #expect(try registry.index.upload(held.id) != nil)
        }
    }
}
