import BerthModel
import Foundation

/// The ingest pipeline: a request body gathered into page-aligned buffers, each written to
/// disk and fed to the running hash on the writer's two serial queues while the next one fills.
///
/// The state of one buffer, in order: *filling* (the body task appends to it; whenever the
/// hash queue is idle, the bytes gathered so far are handed to the hash at once, and whenever
/// the write queue is idle, their aligned part to a disk write, so neither waits for a buffer
/// to fill, and little is left to do when the body ends) → *in flight* (full, or the body
/// ended: the write and the hash of its remaining bytes are queued) → *settled* (all its
/// writes and hashes done; the writer's offset moves past it, in order) → *spare* (empty,
/// reused). Invariants:
/// 1. Bytes reach the file and the hash in body order: one write queue, one hash queue.
/// 2. The offset only moves past bytes written and hashed, buffer by buffer, in order; for
///    the last buffers of an upload chunk (below), written and handed to the hash queue.
/// 3. After a failed append nothing more counts: the offset stays where the file is right,
///    and the running hash is discarded (rebuilt from the file on next use) once no hash runs.
/// 4. Nothing touches the writer or a buffer after `stream` returns or throws, except, with
///    `leavingHashesBehind`, the last buffers' hashes on the writer's own hash queue.
///
/// That exception (`acknowledgingOnceWritten`) is for the chunks of an upload session: a chunk must be durable before its
/// `202`, not hashed (the digest is needed only at the end). So its last buffers count once
/// written, their hashes run on, and each buffer goes back to the pool from the hash queue
/// right after its hash (a hash that failed discards the running hash there: it is rebuilt
/// from the file). The next chunk's hashes queue behind them on the same serial queue, so
/// the hash does not pause between chunks for the fsync, the index commit and the next
/// request; `FileBlobWriter.finish` waits for the queue before taking the digest.
extension FileBlobWriter {
    /// Appends a request body (see the pipeline above). Bytes that arrived before a failure of
    /// the body are kept: an upload keeps every byte it received.
    public func append<Body: AsyncSequence>(_ body: Body, acknowledgingOnceWritten leavingHashesBehind: Bool) async throws(RegistryError)
    where Body.Element: ContiguousBytesCollection {
        // The closures below run on this writer's serial queues, one at a time (invariant 1).
        let writer = UnsafeTransfer(self)
        let queues = self.queues
        let maximumInFlight = store.buffersInFlight
        let ingestBuffers = store.buffers
        var loan = IngestBufferLoan(pool: ingestBuffers)
        defer { loan.giveBack() }
        var filling = loan.another()
        // Hashes and writes of the filling buffer's first bytes, started before it was full.
        // First of all, on the hash queue behind any hash still running for this writer: a
        // reopened upload rebuilds its hash from the file there (nothing to do otherwise).
        let prepared = queues.hash { try writer.value.prepareHash() }
        var fillingHashes: [PendingIO] = [prepared]
        var fillingWrites: [PendingIO] = []
        var spares: [IngestBuffer] = []
        var failure: RegistryError?
        var inFlight: [Append] = []
        var nextPosition = writer.value.offset
        var appendFailed = false

        /// Waits for the oldest append in flight; its buffer becomes a spare.
        func settleOldest() async -> RegistryError? {
            guard !inFlight.isEmpty else { return nil }
            let oldest = inFlight.removeFirst()
            let error = await Self.settle(oldest, into: writer, counting: !appendFailed)
            if error != nil { appendFailed = true }
            oldest.buffer.reset()
            spares.append(oldest.buffer)
            return appendFailed ? (error ?? .storage("an earlier buffer failed")) : nil
        }

        /// The buffer to fill next: a spare, else one more from the pool while it lends one,
        /// else the oldest append's once it has settled.
        func nextBuffer() async throws(RegistryError) -> IngestBuffer {
            while true {
                if let spare = spares.popLast() { return spare }
                if inFlight.count < maximumInFlight, let more = loan.more() { return more }
                // Every buffer borrowed beyond the first two is in flight here, so one settles.
                guard !inFlight.isEmpty else { return loan.another() }
                if let error = await settleOldest() { throw error }
            }
        }

        /// Queues the filling buffer's write and the hash of its remaining bytes.
        func launchFilling() {
            inFlight.append(Self.start(filling, earlierWrites: fillingWrites, earlierHashes: fillingHashes,
                                  into: writer, at: nextPosition, on: queues))
            fillingHashes = []
            fillingWrites = []
            nextPosition += Int64(filling.count)
        }

        do {
            for try await chunk in body {
                let length = chunk.withContiguousBytes { $0.count }
                var consumed = 0
                while consumed < length {
                    consumed += chunk.withContiguousBytes { raw in filling.append(UnsafeRawBufferPointer(rebasing: raw[consumed...])) }
                    guard filling.isFull else { continue }
                    launchFilling()
                    filling = try await nextBuffer()
                }
                // An idle hash gets what has arrived now rather than when the buffer is full:
                // at the start of a body, and whenever the hash has caught up with it.
                if filling.unhashedCount >= Self.earliestHash, queues.hashIsIdle {
                    fillingHashes.append(Self.startHash(of: filling, into: writer, on: queues))
                }
                if filling.unwrittenCount >= Self.earliestWrite, queues.writeIsIdle {
                    fillingWrites.append(Self.startWrite(of: filling, alignedOnly: true, into: writer, at: nextPosition, on: queues))
                }
            }
        } catch {
            failure = RegistryError(error)
        }
        if !appendFailed, !filling.isEmpty { launchFilling() }
        let behind = leavingHashesBehind && failure == nil
        // Nothing may count before the hash is prepared: a reopened upload's rebuild reads the
        // file up to the offset (the settled path waits for it with the first buffer's hashes).
        if behind, let error = await prepared.result() {
            appendFailed = true
            failure = error
        }
        var settleFailure: RegistryError?
        while !inFlight.isEmpty {
            let error: RegistryError?
            if behind && !appendFailed {
                // Written is enough to count (the exception above); the hashes run on, and the
                // buffer goes back to the pool from the hash queue once they are done.
                let oldest = inFlight.removeFirst()
                error = await Self.firstFailure(of: oldest.written)
                if error == nil { writer.value.advance(by: oldest.buffer.count) } else { appendFailed = true }
                let extra = loan.handOver(oldest.buffer)
                let buffer = oldest.buffer, parts = oldest.hashed, pool = ingestBuffers
                _ = queues.hash {
                    if parts.contains(where: { $0.failureIfFinished != nil }) { writer.value.discardHash() }
                    if let extra { pool.give(buffer, extra: extra) }
                }
            } else {
                error = await settleOldest()
            }
            if let error, settleFailure == nil { settleFailure = error }
        }
        // Early jobs of a buffer never launched (an empty body's hash preparation, or a
        // buffer left after a failure).
        for job in fillingWrites + fillingHashes { _ = await job.result() }
        if appendFailed {
            // Only with no hash running may the hash be discarded (invariant 3): the hashes
            // left behind run on the same queue, before this marker.
            _ = await queues.hash {}.result()
            writer.value.discardHash()
            throw failure ?? settleFailure ?? .storage("an earlier buffer failed")
        }
        if let failure { throw failure }
    }

    /// A body's bytes may go to an idle hash (an idle disk) before their buffer is full once
    /// this many have arrived: fewer would cost more in hand-offs than they gain.
    static var earliestHash: Int { 256 << 10 }
    static var earliestWrite: Int { 256 << 10 }

    /// The first failure among `jobs`, once all of them are done.
    static func firstFailure(of jobs: [PendingIO]) async -> RegistryError? {
        var failure: RegistryError?
        for job in jobs {
            if let error = await job.result(), failure == nil { failure = error }
        }
        return failure
    }
}

extension FileBlobWriter {
    /// One buffer being appended: its disk writes and its hash (each in one or more parts).
    struct Append {
        let buffer: IngestBuffer
        let written: [PendingIO]
        let hashed: [PendingIO]
    }

    /// Hands the buffer's bytes not yet written to the write queue, behind the earlier writes;
    /// the buffer starts at `bufferPosition` in the file.
    static func startWrite(of buffer: IngestBuffer, alignedOnly: Bool, into writer: UnsafeTransfer<FileBlobWriter>,
                    at bufferPosition: Int64, on queues: IngestQueues) -> PendingIO {
        let (start, bytes) = buffer.takeUnwritten(alignedOnly: alignedOnly)
        let part = UnsafeTransfer(bytes)
        return queues.write { try writer.value.writeUnhashed(part.value, at: bufferPosition + Int64(start)) }
    }

    /// Hands the buffer's bytes not yet hashed to the hash queue, behind the earlier hashes.
    static func startHash(of buffer: IngestBuffer, into writer: UnsafeTransfer<FileBlobWriter>, on queues: IngestQueues) -> PendingIO {
        let bytes = UnsafeTransfer(buffer.takeUnhashed())
        return queues.hash { try writer.value.hashUnwritten(bytes.value) }
    }

    /// Starts appending `buffer` at `position`: its disk write goes to the write queue and the
    /// hash of its bytes not yet hashed to the hash queue, each behind the earlier buffers'
    /// (both serial, so a writer's state is never touched by two threads at once).
    /// `earlierWrites` and `earlierHashes` are those of its first bytes, already started.
    /// `settle` the appends in the order they were started.
    static func start(_ buffer: IngestBuffer, earlierWrites: [PendingIO], earlierHashes: [PendingIO],
               into writer: UnsafeTransfer<FileBlobWriter>, at position: Int64, on queues: IngestQueues) -> Append {
        let writes = buffer.unwrittenCount > 0
            ? [startWrite(of: buffer, alignedOnly: false, into: writer, at: position, on: queues)] : []
        let hashes = buffer.unhashedCount > 0 ? [startHash(of: buffer, into: writer, on: queues)] : []
        return Append(buffer: buffer, written: earlierWrites + writes, hashed: earlierHashes + hashes)
    }

    /// Waits for the write and every part of the hash; moves the offset past the buffer only
    /// if all succeeded and `counting` (no earlier append failed). The caller discards the
    /// running hash after a failure, once no hash is running.
    static func settle(_ append: Append, into writer: UnsafeTransfer<FileBlobWriter>, counting: Bool) async -> RegistryError? {
        let writeFailure = await Self.firstFailure(of: append.written)
        let hashFailure = await Self.firstFailure(of: append.hashed)
        if let failure = writeFailure ?? hashFailure { return failure }
        guard counting else { return nil }
        writer.value.advance(by: append.buffer.count)
        return nil
    }
}
