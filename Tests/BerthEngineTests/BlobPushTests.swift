import BerthModel
import Foundation
import Testing
@testable import BerthEngine

@Suite struct BlobPushTests {
    @Test func pushedBlobIsStoredUnderItsDigestInTheFanOutTree() async throws {
        try await withRegistry { registry, root in
            let bytes = pseudoRandomBytes(10_000, seed: 1)
            let digest = try await pushBlob(registry, repo("app"), bytes)
            let path = "\(root.path)/blobs/sha256/\(digest.encoded.prefix(2))/\(digest.encoded)"
            #expect(FileManager.default.contents(atPath: path) == Data(bytes))
        }
    }

    @Test func wrongDigestStoresNothing() async throws {
        try await withRegistry { registry, root in
            let bytes = pseudoRandomBytes(5000, seed: 2)
            let claimed = sha256("something else")
            await expectError(.digestMismatch(expected: claimed, actual: sha256(bytes))) {
                try await registry.pushBlob(to: repo("app"), digest: claimed, bytes: bytes)
            }
            #expect(filesBelow("\(root.path)/blobs").isEmpty)
            #expect(filesBelow("\(root.path)/tmp").isEmpty)
            await expectError(.blobUnknown(claimed)) { try registry.blobInfo(claimed, in: repo("app")) }
        }
    }

    @Test func wrongSizeStoresNothing() async throws {
        try await withRegistry { registry, root in
            let bytes = pseudoRandomBytes(5000, seed: 3)
            await expectError(.sizeMismatch(expected: 4999, actual: 5000)) {
                try await registry.pushBlob(to: repo("app"), digest: sha256(bytes), size: 4999, body: OneChunk(bytes))
            }
            #expect(filesBelow("\(root.path)/blobs").isEmpty)
            #expect(filesBelow("\(root.path)/tmp").isEmpty)
        }
    }

    @Test func concurrentPushesOfTheSameContentLeaveOneIntactFile() async throws {
        try await withRegistry { registry, root in
            let bytes = pseudoRandomBytes(3 << 20, seed: 4)
            let digest = sha256(bytes)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<8 {
                    group.addTask {
                        _ = try await registry.pushBlob(to: repo("app\(i)"), digest: digest, body: Chunks(bytes, size: 64 << 10))
                    }
                }
                try await group.waitForAll()
            }
            #expect(filesBelow("\(root.path)/blobs") == ["sha256/\(digest.encoded.prefix(2))/\(digest.encoded)"])
            #expect(FileManager.default.contents(atPath: root.layout.blobFile(digest)) == Data(bytes))
            for i in 0..<8 { #expect(try registry.blobInfo(digest, in: repo("app\(i)")).size == Int64(bytes.count)) }
        }
    }

    @Test func concurrentPushesOfDifferentContentAllLand() async throws {
        try await withRegistry { registry, _ in
            let blobs = (0..<16).map { pseudoRandomBytes(200_000 + $0, seed: UInt64(100 + $0)) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for blob in blobs {
                    group.addTask { _ = try await registry.pushBlob(to: repo("app"), digest: sha256(blob), body: Chunks(blob, size: 7000)) }
                }
                try await group.waitForAll()
            }
            for blob in blobs {
                let reader = try await registry.openBlob(sha256(blob), in: repo("app"))
                #expect(try await registry.read(reader, at: 0, count: blob.count + 10) == blob)
            }
        }
    }

    @Test func blobIsReadableByByteRange() async throws {
        try await withRegistry { registry, _ in
            let bytes = pseudoRandomBytes(100_000, seed: 5)
            let digest = try await pushBlob(registry, repo("app"), bytes)
            let reader = try await registry.openBlob(digest, in: repo("app"))
            #expect(reader.size == 100_000)
            #expect(try await registry.read(reader, at: 1234, count: 1000) == Array(bytes[1234..<2234]))
            #expect(try await registry.read(reader, at: 99_990, count: 1000) == Array(bytes[99_990...]))
            await expectError(.rangeNotSatisfiable(size: 100_000)) { try await registry.read(reader, at: 100_001, count: 1) }
        }
    }

    @Test func sha512DigestIsAcceptedForAMonolithicPush() async throws {
        try await withRegistry { registry, root in
            let bytes = pseudoRandomBytes(4096, seed: 6)
            let digest = try ContentHasher.digest(of: bytes, using: .sha512)
            _ = try await registry.pushBlob(to: repo("app"), digest: digest, bytes: bytes)
            #expect(FileManager.default.contents(atPath: root.layout.blobFile(digest)) == Data(bytes))
            #expect(root.layout.blobFile(digest).contains("/blobs/sha512/"))
        }
    }

    @Test func aBlobOfOneRepositoryIsNotReadableThroughAnotherUntilMounted() async throws {
        try await withRegistry { registry, _ in
            let digest = try await pushBlob(registry, repo("team/a"), pseudoRandomBytes(100, seed: 7))
            await expectError(.blobUnknown(digest)) { try registry.blobInfo(digest, in: repo("team/b")) }
            await expectError(.blobUnknown(digest)) { try await registry.openBlob(digest, in: repo("team/b")) }
            #expect(try await registry.mountBlob(digest, from: repo("team/a"), into: repo("team/b")))
            #expect(try registry.blobInfo(digest, in: repo("team/b")).size == 100)
        }
    }

    @Test func mountFromARepositoryWithoutTheBlobChangesNothing() async throws {
        try await withRegistry { registry, _ in
            let digest = try await pushBlob(registry, repo("a"), pseudoRandomBytes(100, seed: 8))
            #expect(try await registry.mountBlob(digest, from: repo("c"), into: repo("b")) == false)
            await expectError(.blobUnknown(digest)) { try registry.blobInfo(digest, in: repo("b")) }
        }
    }

    @Test func unlinkMakesTheBlobUnreadableThroughThatRepositoryOnly() async throws {
        try await withRegistry { registry, _ in
            let bytes = pseudoRandomBytes(100, seed: 9)
            let digest = try await pushBlob(registry, repo("a"), bytes)
            _ = try await registry.mountBlob(digest, from: repo("a"), into: repo("b"))
            try await registry.unlinkBlob(digest, from: repo("a"))
            await expectError(.blobUnknown(digest)) { try registry.blobInfo(digest, in: repo("a")) }
            #expect(try registry.blobInfo(digest, in: repo("b")).size == 100)
            await expectError(.blobUnknown(digest)) { try await registry.unlinkBlob(digest, from: repo("a")) }
        }
    }
}
