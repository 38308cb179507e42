import BerthModel
import Dispatch
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

    /// Writes a request body into `writer`, gathering small chunks into page-aligned buffers
    /// of `writeBufferSize` so each hop to the I/O threads carries a useful amount of work and
    /// full buffers can go to disk without the page cache.
    ///
    /// Pipelined: up to `appendsInFlight` full buffers are being written (I/O threads, at once)
    /// and hashed (one after another, in order) while the next one fills from the body. The
    /// offset moves past each buffer in order once both its write and its hash succeeded;
    /// every append has finished before this returns or throws, so nothing touches `writer`
    /// afterwards. A few buffers serve the whole body: each returns once its append is done.
    func stream<Body: AsyncSequence>(_ body: Body, into writer: UnsafeTransfer<FileBlobWriter>) async throws(RegistryError)
    where Body.Element: ContiguousBytesCollection {
        let limit = configuration.maximumBlobSize
        var filling = IngestBuffer(capacity: configuration.writeBufferSize)
        var spares: [IngestBuffer] = []
        var failure: RegistryError?
        var received = writer.value.offset
        try await io { try writer.value.prepareHash() }
        let started = ContinuousClock.now
        let startOffset = received
        let minimumRate = configuration.minimumBodyRate
        let grace = configuration.slowBodyGrace
        // Appends in flight, oldest first. Their writes run one after another on `writing`, their
        // hashes one after another on `hashing` (each queue in order, the two side by side); the
        // offset moves in `settleOldest`, in order too. A few in flight let the body keep
        // arriving while the hash catches up.
        var inFlight: [Append] = []
        var nextPosition = writer.value.offset
        let queues = IngestQueues()
        // Set once an append failed: bytes after it must never count as stored, so nothing more
        // is appended and later results are ignored (the offset stays where the file is right).
        var appendFailed = false

        /// Waits for the oldest append in flight; its buffer becomes a spare.
        func settleOldest() async -> RegistryError? {
            guard !inFlight.isEmpty else { return nil }
            let oldest = inFlight.removeFirst()
            let error = await finish(oldest, into: writer, counting: !appendFailed)
            if error != nil { appendFailed = true }
            oldest.buffer.reset()
            spares.append(oldest.buffer)
            return appendFailed ? (error ?? .storage("an earlier buffer failed")) : nil
        }

        do {
            for try await chunk in body {
                let length = chunk.withContiguousBytes { $0.count }
                received += Int64(length)
                if received > limit { throw RegistryError.blobTooLarge(limit: limit) }
                var consumed = 0
                while consumed < length {
                    consumed += chunk.withContiguousBytes { raw in filling.append(UnsafeRawBufferPointer(rebasing: raw[consumed...])) }
                    guard filling.isFull else { continue }
                    if inFlight.count >= Self.appendsInFlight, let error = await settleOldest() { throw error }
                    inFlight.append(start(filling, into: writer, at: nextPosition, on: queues))
                    nextPosition += Int64(filling.count)
                    filling = spares.popLast() ?? IngestBuffer(capacity: filling.capacity)
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
        var settleFailure: RegistryError?
        while !inFlight.isEmpty {
            if let error = await settleOldest(), settleFailure == nil { settleFailure = error }
        }
        // Only now, with no hash running: the next use rebuilds the hash from the file.
        if appendFailed { writer.value.discardHash() }
        if let settleFailure {
            // An earlier buffer did not make it: later bytes must not be appended after a gap.
            throw failure ?? settleFailure
        }
        // What arrived before a failure is written too: an upload keeps every byte it received.
        if !filling.isEmpty,
           let error = await finish(start(filling, into: writer, at: nextPosition, on: queues), into: writer, counting: true) {
            writer.value.discardHash()
            throw error
        }
        if let failure { throw failure }
    }
}

extension Registry {
    /// One buffer being appended: its disk write and its hash, both running on the I/O threads.
    struct Append {
        let buffer: IngestBuffer
        let written: PendingIO
        let hashed: PendingIO
    }

    /// Buffers a body may have in flight (written and hashed) while the next one fills.
    static var appendsInFlight: Int { 3 }

    /// Starts appending `buffer` at `position`: its disk write goes to `queues.writing` and its
    /// hash to `queues.hashing`, each behind the earlier buffers' (both serial, so a writer's
    /// state is never touched by two threads at once). Neither uses a thread of the cooperative
    /// pool, which stays free for the requests (and the body) it serves. `finish` the appends
    /// in the order they were started.
    func start(_ buffer: IngestBuffer, into writer: UnsafeTransfer<FileBlobWriter>, at position: Int64,
               on queues: IngestQueues) -> Append {
        Append(buffer: buffer,
               written: PendingIO(on: queues.writing) { try writer.value.writeUnhashed(buffer.bytes, at: position) },
               hashed: PendingIO(on: queues.hashing) { try writer.value.hashUnwritten(buffer.bytes) })
    }

    /// Waits for both halves; moves the offset past the buffer only if both succeeded and
    /// `counting` (no earlier append failed). The caller discards the running hash after a
    /// failure, once no hash is running.
    func finish(_ append: Append, into writer: UnsafeTransfer<FileBlobWriter>, counting: Bool) async -> RegistryError? {
        let writeFailure = await append.written.result()
        let hashFailure = await append.hashed.result()
        if let failure = writeFailure ?? hashFailure {
            return failure
        }
        guard counting else { return nil }
        writer.value.advance(by: append.buffer.count)
        return nil
    }
}

/// The two serial queues of one ingest: disk writes in order, hashes in order, side by side.
struct IngestQueues: Sendable {
    let writing = DispatchQueue(label: "berth.ingest.write")
    let hashing = DispatchQueue(label: "berth.ingest.hash")
}
