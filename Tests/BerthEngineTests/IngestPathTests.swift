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
        let registry = try await Registry.open(configuration)
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
        try await withRegistry { registry, _ in
            // 8 KiB (aligned: straight to disk), 2 MiB + 100 (two aligned full buffers, then a
            // tail through the page cache), then 1 MiB at an unaligned offset (page cache).
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

/// Yields the given chunks in order.
private struct ChunkSequence: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let chunks: [[UInt8]]
    func makeAsyncIterator() -> Iterator { Iterator(chunks: chunks[...]) }
    struct Iterator: AsyncIteratorProtocol {
        var chunks: ArraySlice<[UInt8]>
        mutating func next() async -> [UInt8]? { chunks.popFirst() }
    }
}
