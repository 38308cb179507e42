import BerthModel
import Dispatch
import Foundation
import NIOCore

/// Blobs: monolithic push, mount, stat, read, unlink.
extension Registry {
    /// Pushes a whole blob in one stream: hashed as it arrives, committed only if its digest
    /// (and `size`, when given) match, then linked into `repository`.
    public func pushBlob<Body: AsyncSequence>(
        to repository: RepositoryName, digest: Digest, size: Int64? = nil, body: Body
    ) async throws(RegistryError) -> BlobInfo where Body.Element: ContiguousBytesCollection {
        let blobs = blobs
        let writer = try await io { UnsafeTransfer(try blobs.startIngest()) }
        do throws(RegistryError) {
            do throws(RegistryError) {
                try await writer.value.append(limited(body, alreadyReceived: 0), acknowledgingOnceWritten: false)
            } catch {
                // A full disk is counted here; another failure of a streaming append may be
                // the client's body as well as the disk.
                if case .storageFull = error { metrics.countFailedWrite(error) }
                throw error
            }
            let info = try await sweepGate.push { () async throws(RegistryError) -> BlobInfo in
                let info = try await countingStoreFailures { () async throws(RegistryError) in
                    try await io { try writer.value.commit(expected: digest, expectedSize: size, keepingPartialOnIOError: false) }
                }
                try await RegistryError.wrapping { try await index.linkBlob(info.digest, size: info.size, into: repository, now: self.now()) }
                return info
            }
            countIngest(info)
            return info
        } catch {
            // Closing and unlinking block: on the I/O threads, as every file call here; inline
            // when those refuse the job (a cancelled task, a pool shutting down), so the file
            // never outlives the failed push.
            do {
                try await io { writer.value.abort() }
            } catch {
                writer.value.abort()
            }
            throw error
        }
    }

    /// Pushes a blob held in memory (small blobs, tests).
    public func pushBlob(to repository: RepositoryName, digest: Digest, bytes: [UInt8]) async throws(RegistryError) -> BlobInfo {
        try await pushBlob(to: repository, digest: digest, size: Int64(bytes.count), body: OneChunk(bytes))
    }

    /// Links a blob readable through `source` into `target` (cross-repository mount). Returns
    /// false, changing nothing, when `source` does not hold the blob.
    public func mountBlob(_ digest: Digest, from source: RepositoryName, into target: RepositoryName) async throws(RegistryError) -> Bool {
        try await sweepGate.push { () async throws(RegistryError) -> Bool in
            try await RegistryError.wrapping { try await index.mountBlob(digest, from: source, into: target, now: self.now()) }
        }
    }

    /// The blob as readable through `repository`; `.blobUnknown` if it is not linked there.
    public func blobInfo(_ digest: Digest, in repository: RepositoryName) throws(RegistryError) -> BlobLink {
        guard let link = try RegistryError.wrapping({ try index.blobLink(digest, in: repository) }) else {
            throw .blobUnknown(digest)
        }
        return link
    }

    /// Opens a blob readable through `repository` for reading by range.
    public func openBlob(_ digest: Digest, in repository: RepositoryName) async throws(RegistryError) -> Store.Reader {
        _ = try blobInfo(digest, in: repository)
        let blobs = blobs
        return try await io { try blobs.openReader(digest) }
    }

    /// Reads up to `count` bytes at `offset` of an open blob, on the I/O threads.
    public func read(_ reader: Store.Reader, at offset: Int64, count: Int) async throws(RegistryError) -> [UInt8] {
        guard offset >= 0, offset <= reader.size else { throw .rangeNotSatisfiable(size: reader.size) }
        return try await io { try reader.read(at: offset, count: count) }
    }

    /// Reads up to `count` bytes at `offset` of an open blob into a new buffer, on the I/O
    /// threads (no copy between the file and the buffer a network write takes).
    public func readBuffer(_ reader: Store.Reader, at offset: Int64, count: Int) async throws(RegistryError) -> ByteBuffer {
        try await readBuffer(reader, at: offset, count: count, reusing: ByteBufferHandoff(nil))
    }

    /// `readBuffer`, into the buffer `spare` hands over when nothing else holds its storage any
    /// more (else into a new one): a stream that hands back the chunks a network write has let
    /// go of reads a blob of any size in the same few buffers, instead of one allocation a
    /// chunk (which glibc's arenas keep as resident memory once its mmap threshold has risen).
    func readBuffer(_ reader: Store.Reader, at offset: Int64, count: Int, reusing spare: ByteBufferHandoff) async throws(RegistryError) -> ByteBuffer {
        guard offset >= 0, offset <= reader.size else { throw .rangeNotSatisfiable(size: reader.size) }
        let length = Int(min(Int64(count), reader.size - offset))
        return try await io {
            // Taken out of the handoff, the buffer is this closure's alone (when the writer
            // has let go): clearing and writing it reuse its storage.
            var buffer = spare.take() ?? ByteBufferAllocator().buffer(capacity: length)
            buffer.clear(minimumCapacity: length)
            _ = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { raw in
                try reader.read(into: UnsafeMutableRawBufferPointer(rebasing: raw.prefix(length)), at: offset)
            }
            return buffer
        }
    }

    /// Makes a blob unreadable through `repository` (the file stays for other repositories;
    /// garbage collection removes it once nothing names it). `.blobUnknown` if not linked.
    public func unlinkBlob(_ digest: Digest, from repository: RepositoryName) async throws(RegistryError) {
        guard try await RegistryError.wrapping({ try await index.unlinkBlob(digest, from: repository) }) else {
            throw .blobUnknown(digest)
        }
    }
}
