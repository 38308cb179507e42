import BerthModel
import Foundation

/// Blobs: monolithic push, mount, stat, read, unlink.
extension Registry {
    /// Pushes a whole blob in one stream: hashed as it arrives, committed only if its digest
    /// (and `size`, when given) match, then linked into `repository`.
    public func pushBlob<Body: AsyncSequence>(
        to repository: RepositoryName, digest: Digest, size: Int64? = nil, body: Body
    ) async throws(RegistryError) -> BlobInfo where Body.Element: ContiguousBytesCollection {
        let blobs = blobs
        let writer = try await io { UnsafeTransfer(try blobs.startIngest()) }
        do {
            try await stream(body, into: writer)
            return try await sweepGate.push { () async throws(RegistryError) -> BlobInfo in
                let info = try await io { try blobs.commit(writer.value, expected: digest, expectedSize: size) }
                try await RegistryError.wrapping { try await index.linkBlob(info.digest, size: info.size, into: repository, now: Date()) }
                return info
            }
        } catch {
            blobs.abort(writer.value)
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
            try await RegistryError.wrapping { try await index.mountBlob(digest, from: source, into: target, now: Date()) }
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
    public func openBlob(_ digest: Digest, in repository: RepositoryName) async throws(RegistryError) -> FileBlobReader {
        _ = try blobInfo(digest, in: repository)
        let blobs = blobs
        return try await io { try blobs.openReader(digest) }
    }

    /// Reads up to `count` bytes at `offset` of an open blob, on the I/O threads.
    public func read(_ reader: FileBlobReader, at offset: Int64, count: Int) async throws(RegistryError) -> [UInt8] {
        guard offset >= 0, offset <= reader.size else { throw .rangeNotSatisfiable(size: reader.size) }
        return try await io { try reader.read(at: offset, count: count) }
    }

    /// Makes a blob unreadable through `repository` (the file stays for other repositories;
    /// garbage collection removes it once nothing names it). `.blobUnknown` if not linked.
    public func unlinkBlob(_ digest: Digest, from repository: RepositoryName) async throws(RegistryError) {
        guard try await RegistryError.wrapping({ try await index.unlinkBlob(digest, from: repository) }) else {
            throw .blobUnknown(digest)
        }
    }

    /// Writes a request body into `writer`, gathering small chunks into writes of
    /// `writeBufferSize` so each hop to the I/O threads carries a useful amount of work.
    ///
    /// Pipelined: while one full buffer is written (I/O thread) and hashed (its own task), the
    /// next one fills from the body. Appends still happen one at a time and in order: a buffer's
    /// append starts only after the previous one finished, and every append has finished before
    /// this returns or throws, so nothing touches `writer` afterwards.
    func stream<Body: AsyncSequence>(_ body: Body, into writer: UnsafeTransfer<FileBlobWriter>) async throws(RegistryError)
    where Body.Element: ContiguousBytesCollection {
        let capacity = configuration.writeBufferSize
        let limit = configuration.maximumBlobSize
        var buffer = Buffer(capacity: capacity)
        var failure: RegistryError?
        var received = writer.value.offset
        try await io { try writer.value.prepareHash() }
        let started = ContinuousClock.now
        let startOffset = received
        let minimumRate = configuration.minimumBodyRate
        let grace = configuration.slowBodyGrace
        var inFlight: Task<RegistryError?, Never>?
        do {
            for try await chunk in body {
                received += Int64(chunk.withContiguousBytes { $0.count })
                if received > limit { throw RegistryError.blobTooLarge(limit: limit) }
                let overflow: Buffer? = chunk.withContiguousBytes { raw in
                    if buffer.bytes.count + raw.count <= capacity {
                        buffer.bytes.append(contentsOf: raw)
                        return nil
                    }
                    let full = buffer
                    buffer = Buffer(capacity: capacity)
                    buffer.bytes.append(contentsOf: raw)
                    return full
                }
                if let overflow, !overflow.bytes.isEmpty {
                    if let previous = inFlight, let error = await previous.value {
                        inFlight = nil
                        throw error
                    }
                    inFlight = Task { () async -> RegistryError? in
                        do throws(RegistryError) {
                            try await self.append(overflow, to: writer)
                            return nil
                        } catch {
                            return error
                        }
                    }
                }
                // Checked after the chunk is taken in: a cut-off upload keeps what arrived.
                if let minimumRate {
                    let elapsed = ContinuousClock.now - started
                    if elapsed > grace, Double(received - startOffset) < Double(minimumRate) * elapsed.seconds {
                        throw RegistryError.bodyTooSlow(minimum: minimumRate)
                    }
                }
            }
        } catch {
            failure = RegistryError(error)
        }
        if let previous = inFlight, let error = await previous.value {
            // The earlier buffer did not make it: later bytes must not be appended after a gap.
            throw failure ?? error
        }
        // What arrived before a failure is written too: an upload keeps every byte it received.
        if !buffer.bytes.isEmpty { try await append(buffer, to: writer) }
        if let failure { throw failure }
    }
}

extension Registry {
    /// Appends one buffer: the disk write on an I/O thread while this task hashes the same
    /// bytes, so a push uses two cores. The offset moves only when both succeeded.
    func append(_ buffer: Buffer, to writer: UnsafeTransfer<FileBlobWriter>) async throws(RegistryError) {
        let position = writer.value.offset
        async let written: RegistryError? = {
            do throws(RegistryError) {
                try await self.io { try buffer.bytes.withUnsafeBytes { try writer.value.writeUnhashed($0, at: position) } }
                return nil
            } catch {
                return error
            }
        }()
        let hashFailure: RegistryError?
        do {
            try buffer.bytes.withUnsafeBytes { try writer.value.hashUnwritten($0) }
            hashFailure = nil
        } catch {
            hashFailure = RegistryError(error)
        }
        if let failure = await written ?? hashFailure {
            writer.value.discardHash()
            throw failure
        }
        writer.value.advance(by: buffer.bytes.count)
    }
}

/// A reusable byte buffer moved between tasks and the I/O threads.
struct Buffer: Sendable {
    var bytes: [UInt8]
    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }
}

/// Hands a non-`Sendable` object to the I/O threads. Safe only where the protocol guarantees a
/// single user at a time (one request owns an ingest; upload sessions hold a lease).
struct UnsafeTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// An async sequence of exactly one chunk.
public struct OneChunk: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    let bytes: [UInt8]
    /// A sequence yielding `bytes` once.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public func makeAsyncIterator() -> Iterator { Iterator(bytes: bytes) }
    /// Yields the one chunk, then ends.
    public struct Iterator: AsyncIteratorProtocol {
        var bytes: [UInt8]?
        public mutating func next() async -> [UInt8]? {
            defer { bytes = nil }
            return bytes
        }
    }
}
