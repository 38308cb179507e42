import BerthModel
import Foundation
import Synchronization
import Testing
@testable import BerthEngine

/// The file blob store's usage figure (`BlobUsageReporting`): exact after its first walk,
/// whatever commits and deletes run during it.
@Suite struct BlobUsageTests {
    /// A store on a fresh root.
    func makeStore(_ root: TemporaryRoot) throws -> FileBlobStore {
        try root.layout.create()
        return FileBlobStore(layout: root.layout)
    }

    /// Commits `content` through the store's own install (as a push's commit does).
    func install(_ store: FileBlobStore, _ content: [UInt8]) throws -> Digest {
        let digest = sha256(content)
        let path = store.layout.temporaryFile("test-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: path, contents: Data(content))
        try store.install(path, as: digest, size: Int64(content.count))
        return digest
    }

    /// What the tree holds, counted from scratch.
    func counted(_ store: FileBlobStore) throws -> BlobUsage {
        var usage = BlobUsage()
        try store.walk { info in
            usage.blobs += 1
            usage.bytes += info.size
            return true
        }
        return usage
    }

    @Test func theFirstWalkReportsEveryBlobAndItsBytes() throws {
        let root = TemporaryRoot()
        let store = try makeStore(root)
        for seed in 0..<20 { _ = try install(store, pseudoRandomBytes(100 + seed, seed: UInt64(seed))) }
        let reports = Reports()
        try store.trackUsage { usage in reports.add(usage) }
        #expect(reports.all == [try counted(store)])
    }

    @Test func aCommitAfterTheWalkAddsItsBlobAndACommitOfTheSameContentAddsNothing() throws {
        let root = TemporaryRoot()
        let store = try makeStore(root)
        let reports = Reports()
        try store.trackUsage { usage in reports.add(usage) }
        let content = pseudoRandomBytes(777, seed: 1)
        _ = try install(store, content)
        #expect(reports.last == BlobUsage(blobs: 1, bytes: 777))
        _ = try install(store, content)
        #expect(reports.last == BlobUsage(blobs: 1, bytes: 777))
    }

    @Test func aDeleteRemovesItsBlobAndADeleteOfAMissingBlobNothing() throws {
        let root = TemporaryRoot()
        let store = try makeStore(root)
        let kept = try install(store, pseudoRandomBytes(300, seed: 2))
        let doomed = try install(store, pseudoRandomBytes(500, seed: 3))
        let reports = Reports()
        try store.trackUsage { usage in reports.add(usage) }
        try store.delete(doomed)
        #expect(reports.last == BlobUsage(blobs: 1, bytes: 300))
        try store.delete(doomed)
        #expect(reports.last == BlobUsage(blobs: 1, bytes: 300))
        _ = kept
    }

    @Test(arguments: 0..<3)
    func commitsAndDeletesDuringTheWalkAreCountedExactlyOnce(round: Int) async throws {
        let root = TemporaryRoot()
        let store = try makeStore(root)
        var existing: [[UInt8]] = []
        // Written straight into the tree (no fsync per file: what a store holds, not how it came).
        for seed in 0..<3000 {
            let content = pseudoRandomBytes(64 + seed % 50, seed: UInt64(round * 100_000 + seed))
            let digest = sha256(content)
            try FileManager.default.createDirectory(atPath: store.layout.blobFanoutDirectory(digest), withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: store.layout.blobFile(digest), contents: Data(content))
            existing.append(content)
        }
        let doomed = existing.prefix(200).map { sha256($0) }
        let again = Array(existing.suffix(200))
        let fresh = (0..<300).map { pseudoRandomBytes(200, seed: UInt64(round * 100_000 + 50_000 + $0)) }
        let reports = Reports()
        // The walk on one thread; commits of new blobs, commits of blobs already there and
        // deletes on two others, all at once.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await onThread { try store.trackUsage { usage in reports.add(usage) } } }
            group.addTask { try await onThread { for content in fresh { _ = try install(store, content) } } }
            group.addTask {
                try await onThread {
                    for digest in doomed { try store.delete(digest) }
                    for content in again { _ = try install(store, content) }
                }
            }
            try await group.waitForAll()
        }
        // A last commit after all of them: the figure then is the walk's plus every change since.
        _ = try install(store, pseudoRandomBytes(10, seed: UInt64(round * 100_000 + 99_999)))
        #expect(reports.last == (try counted(store)))
    }

    @Test func aStoppedTallyEndsAWalkWithoutAReport() throws {
        let root = TemporaryRoot()
        let store = try makeStore(root)
        _ = try install(store, pseudoRandomBytes(10, seed: 9))
        store.stopTrackingUsage()
        let reports = Reports()
        try store.trackUsage { usage in reports.add(usage) }
        _ = try install(store, pseudoRandomBytes(20, seed: 10))
        #expect(reports.all.isEmpty)
    }
}

/// Runs blocking `body` on a thread of its own, off the cooperative pool.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// The figures a tally reported, in order.
final class Reports: Sendable {
    private let reports = Mutex<[BlobUsage]>([])
    func add(_ usage: BlobUsage) { reports.withLock { $0.append(usage) } }
    var all: [BlobUsage] { reports.withLock { $0 } }
    var last: BlobUsage? { all.last }
}
