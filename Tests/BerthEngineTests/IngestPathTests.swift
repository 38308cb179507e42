import BerthModel
import Foundation
import Testing
@testable import BerthEngine

/// The ingest path below the registry: page-aligned buffers, writes that bypass the page cache
/// when aligned and go through it otherwise, both within one file.
@Suite struct IngestPathTests {
    @Test func anIngestBufferIsPageAlignedAndRoundsItsCapacityUp() {
        let buffer = IngestBuffer(capacity: 10_000)
        #expect(buffer.capacity == 12_288)
        let bytes = [UInt8](repeating: 7, count: 5000)
        let taken = bytes.withUnsafeBytes { buffer.append($0) }
        #expect(taken == 5000)
        #expect(Int(bitPattern: buffer.bytes.baseAddress) % IngestBuffer.alignment == 0)
    }

    @Test func anIngestBufferTakesOnlyWhatFitsAndEmptiesForReuse() {
        let buffer = IngestBuffer(capacity: 4096)
        let bytes = [UInt8](repeating: 1, count: 5000)
        #expect(bytes.withUnsafeBytes { buffer.append($0) } == 4096)
        #expect(buffer.isFull)
        #expect(bytes.withUnsafeBytes { buffer.append($0) } == 0)
        buffer.reset()
        #expect(buffer.isEmpty)
    }

    @Test(arguments: [true, false])
    func aPushReadsBackByteForByteWithOrWithoutDirectWrites(direct: Bool) async throws {
        let root = TemporaryRoot()
        var configuration = root.configuration()
        configuration.directBlobWrites = direct
        let registry = try await FileRegistry.open(configuration)
        do {
            let content = pseudoRandomBytes((3 << 20) + 5, seed: direct ? 65 : 66)
            _ = try await registry.pushBlob(to: repo("modes"), digest: sha256(content), bytes: content)
            let reader = try await registry.openBlob(sha256(content), in: repo("modes"))
            #expect(try await registry.read(reader, at: 0, count: content.count) == content)
            await registry.close()
        } catch {
            await registry.close()
            throw error
        }
    }

    @Test func alignedAndUnalignedWritesMixWithinOneUploadByteForByte() async throws {
        try await withRegistry(configure: { $0.writeBufferSize = 1 << 20 }) { registry, _ in
            // 8 KiB (aligned: straight to disk), 2 MiB + 100 (two aligned full buffers of the
            // 1 MiB configured here, then a tail through the page cache), then 1 MiB at an
            // unaligned offset (page cache).
            let parts = [pseudoRandomBytes(8192, seed: 61), pseudoRandomBytes((2 << 20) + 100, seed: 62),
                         pseudoRandomBytes(1 << 20, seed: 63)]
            let whole = parts.flatMap { $0 }
            let session = try await registry.startUpload(in: repo("mix"))
            var offset: Int64 = 0
            for part in parts {
                _ = try await registry.appendUpload(session.id, in: repo("mix"), at: offset, body: OneChunk(part))
                offset += Int64(part.count)
            }
            let info = try await registry.finishUpload(session.id, in: repo("mix"), digest: sha256(whole))
            #expect(info.size == Int64(whole.count))
            let reader = try await registry.openBlob(sha256(whole), in: repo("mix"))
            #expect(try await registry.read(reader, at: 0, count: whole.count) == whole)
        }
    }

    @Test func aMonolithicPushOfManyFullBuffersReadsBackByteForByte() async throws {
        try await withRegistry { registry, _ in
            let content = pseudoRandomBytes((5 << 20) + 4096 * 3 + 11, seed: 64)
            // Small chunks, as a socket delivers them: gathered into full buffers before writing.
            let chunks = stride(from: 0, to: content.count, by: 65_536).map { Array(content[$0..<min($0 + 65_536, content.count)]) }
            let info = try await registry.pushBlob(to: repo("mono"), digest: sha256(content), body: ChunkSequence(chunks: chunks))
            #expect(info.size == Int64(content.count))
            let reader = try await registry.openBlob(sha256(content), in: repo("mono"))
            #expect(try await registry.read(reader, at: 0, count: content.count) == content)
        }
    }
}

/// The pool of ingest buffers: what it always lends, what it lends within its limit, what it keeps.
@Suite struct IngestBufferPoolTests {
    @Test func thePoolAlwaysLendsPlainBuffersAndExtrasOnlyWithinItsLimit() {
        let pool = IngestBufferPool(bufferSize: 4096, memoryLimit: 2 * 4096)
        let plain = (0..<5).map { _ in pool.take() }
        #expect(plain.count == 5)
        let first = pool.takeExtra()
        let second = pool.takeExtra()
        #expect(first != nil && second != nil)
        #expect(pool.takeExtra() == nil)
        #expect(pool.extrasLentOut == 2)
        #expect(pool.lentOut == 7)
        if let first { pool.give(first, extra: true) }
        #expect(pool.extrasLentOut == 1)
        #expect(pool.takeExtra() != nil)
    }

    @Test func aBufferGivenBackIsReusedEmptyAndTheIdleOnesStayWithinTheLimit() {
        let pool = IngestBufferPool(bufferSize: 4096, memoryLimit: 2 * 4096)
        let buffers = (0..<3).map { _ in pool.take() }
        let bytes = [UInt8](repeating: 9, count: 100)
        _ = bytes.withUnsafeBytes { buffers[0].append($0) }
        for buffer in buffers { pool.give(buffer, extra: false) }
        #expect(pool.idleCount == 2)
        let again = pool.take()
        #expect(again === buffers[0] || again === buffers[1])
        #expect(again.isEmpty)
    }

    @Test func everyBufferGoesBackToThePoolAfterAPush() async throws {
        try await withRegistry(configure: { $0.writeBufferSize = 64 << 10; $0.ingestBuffersInFlight = 4 }) { registry, _ in
            let content = pseudoRandomBytes((1 << 20) + 77, seed: 67)
            let chunks = stride(from: 0, to: content.count, by: 10_000).map { Array(content[$0..<min($0 + 10_000, content.count)]) }
            _ = try await registry.pushBlob(to: repo("pool"), digest: sha256(content), body: ChunkSequence(chunks: chunks))
            #expect(registry.ingestBuffers.lentOut == 0)
            #expect(registry.ingestBuffers.extrasLentOut == 0)
            #expect(registry.ingestBuffers.idleCount >= 2)
        }
    }

    @Test func aBodyThatTricklesInIsHashedAsItArrivesAndDigestsExactly() async throws {
        // Pauses between pieces leave the hash and the disk idle, so each takes a buffer's bytes
        // in several parts before it is full; a part hashed twice or skipped would change the
        // digest, a part written at the wrong place the bytes read back.
        try await withRegistry(configure: { $0.writeBufferSize = 1 << 20 }) { registry, _ in
            let content = pseudoRandomBytes((3 << 20) + 12_345, seed: 68)
            let pieces = stride(from: 0, to: content.count, by: 300_000).map { Array(content[$0..<min($0 + 300_000, content.count)]) }
            let info = try await registry.pushBlob(to: repo("trickle"), digest: sha256(content),
                                                   body: ChunkSequence(chunks: pieces, pause: .milliseconds(2)))
            #expect(info.size == Int64(content.count))
            let reader = try await registry.openBlob(sha256(content), in: repo("trickle"))
            #expect(try await registry.read(reader, at: 0, count: content.count) == content)
        }
    }
}

extension IngestBufferPoolTests {
    @Test func trickledChunksOfAnUploadLandInPlaceFromAnUnalignedOffset() async throws {
        // The first chunk ends off the page alignment, so the second's early writes go through
        // the page cache at unaligned positions.
        try await withRegistry(configure: { $0.writeBufferSize = 1 << 20 }) { registry, _ in
            let first = pseudoRandomBytes((1 << 20) + 1_001, seed: 69)
            let second = pseudoRandomBytes((2 << 20) + 3_003, seed: 70)
            let whole = first + second
            let session = try await registry.startUpload(in: repo("trickle-up"))
            var offset: Int64 = 0
            for part in [first, second] {
                let pieces = stride(from: 0, to: part.count, by: 270_000).map { Array(part[$0..<min($0 + 270_000, part.count)]) }
                _ = try await registry.appendUpload(session.id, in: repo("trickle-up"), at: offset,
                                                    body: ChunkSequence(chunks: pieces, pause: .milliseconds(2)))
                offset += Int64(part.count)
            }
            _ = try await registry.finishUpload(session.id, in: repo("trickle-up"), digest: sha256(whole))
            let reader = try await registry.openBlob(sha256(whole), in: repo("trickle-up"))
            #expect(try await registry.read(reader, at: 0, count: whole.count) == whole)
        }
    }
}

extension IngestBufferPoolTests {
    @Test func theBuffersOfAnAcknowledgedChunkReturnToThePoolWithoutAnotherRequest() async throws {
        // A chunk counts once written; its last hashes run on and give the buffers back.
        try await withRegistry(configure: { $0.writeBufferSize = 256 << 10 }) { registry, _ in
            let session = try await registry.startUpload(in: repo("behind"))
            let idleBefore = registry.ingestBuffers.idleCount
            let chunk = pseudoRandomBytes(3 << 20, seed: 71)
            let acknowledged = try await registry.appendUpload(session.id, in: repo("behind"), body: OneChunk(chunk))
            #expect(acknowledged.offset == Int64(chunk.count))
            // No request follows: the hash queue alone gives the buffers back, kept for reuse.
            try await expectAllBuffersReturn(to: registry.ingestBuffers)
            #expect(registry.ingestBuffers.idleCount > idleBefore)
            // And the hashes that ran behind the acknowledgement were the chunk's own.
            let info = try await registry.finishUpload(session.id, in: repo("behind"), digest: sha256(chunk))
            #expect(info.size == Int64(chunk.count))
        }
    }

    @Test(arguments: [256, 0])
    func anUploadWhoseChunksAreHashedBehindTheirAcknowledgementDigestsExactly(idleWriters: Int) async throws {
        // Each chunk's hashes may still run when the next chunk's are queued, and when the
        // session finishes: the digest is taken after all of them, over exactly the bytes sent.
        // With no idle writers kept, every chunk reopens the upload and rebuilds the hash from
        // the file while the previous writer's last hashes may still run.
        try await withRegistry(configure: { $0.writeBufferSize = 256 << 10; $0.maximumIdleUploadWriters = idleWriters }) { registry, _ in
            let chunks = (0..<6).map { pseudoRandomBytes((1 << 20) + 4096 * $0, seed: 72 + UInt64($0)) }
            let whole = chunks.flatMap { $0 }
            let session = try await registry.startUpload(in: repo("behind"))
            for chunk in chunks {
                _ = try await registry.appendUpload(session.id, in: repo("behind"), body: OneChunk(chunk))
            }
            let info = try await registry.finishUpload(session.id, in: repo("behind"), digest: sha256(whole))
            #expect(info.size == Int64(whole.count))
            // A reopened writer's predecessor may still be giving its last buffers back.
            try await expectAllBuffersReturn(to: registry.ingestBuffers)
            let reader = try await registry.openBlob(sha256(whole), in: repo("behind"))
            #expect(try await registry.read(reader, at: 0, count: whole.count) == whole)
        }
    }
}

/// Expects every buffer lent by `pool` back (hashes left behind an acknowledged chunk give
/// theirs back from the hash queue, on their own). The minute is a bound for a stalled
/// machine, not a margin: a returning buffer ends the wait at once.
private func expectAllBuffersReturn(to pool: IngestBufferPool) async throws {
    let deadline = ContinuousClock.now + .seconds(60)
    while pool.lentOut > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
    #expect(pool.lentOut == 0)
    #expect(pool.extrasLentOut == 0)
}

/// Yields the given chunks in order.
private struct ChunkSequence: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let chunks: [[UInt8]]
    /// A pause before every chunk after the first (a slow client).
    var pause: Duration? = nil
    func makeAsyncIterator() -> Iterator { Iterator(chunks: chunks[...], pause: pause) }
    struct Iterator: AsyncIteratorProtocol {
        var chunks: ArraySlice<[UInt8]>
        let pause: Duration?
        var started = false
        mutating func next() async throws -> [UInt8]? {
            if started, let pause { try await Task.sleep(for: pause) }
            started = true
            return chunks.popFirst()
        }
    }
}
