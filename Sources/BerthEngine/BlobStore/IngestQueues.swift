import Dispatch
import Synchronization

/// The two serial queues of one writer (`FileBlobWriter.queues`): disk writes in order,
/// hashes in order, side by side, across every request that feeds the writer.
///
/// Dispatch queues rather than the cooperative pool: a hash submitted from the thread that
/// filled the buffer starts at once, and the pool stays free for the requests it serves.
final class IngestQueues: Sendable {
    let writing = DispatchQueue(label: "berth.ingest.write")
    let hashing = DispatchQueue(label: "berth.ingest.hash")
    /// Jobs submitted and not yet finished: zero means that side is idle, waiting for bytes.
    private let hashesOutstanding = Atomic(0)
    private let writesOutstanding = Atomic(0)

    /// Whether no hash job is queued or running.
    var hashIsIdle: Bool { hashesOutstanding.load(ordering: .acquiring) == 0 }

    /// Whether no write is queued or running.
    var writeIsIdle: Bool { writesOutstanding.load(ordering: .acquiring) == 0 }

    /// Starts `body` on the hash queue, behind the hashes submitted before it.
    func hash(_ body: @escaping @Sendable () throws -> Void) -> PendingIO {
        hashesOutstanding.add(1, ordering: .relaxed)
        return PendingIO(on: hashing) { [self] in
            defer { hashesOutstanding.subtract(1, ordering: .releasing) }
            try body()
        }
    }

    /// Starts `body` on the write queue, behind the writes submitted before it.
    func write(_ body: @escaping @Sendable () throws -> Void) -> PendingIO {
        writesOutstanding.add(1, ordering: .relaxed)
        return PendingIO(on: writing) { [self] in
            defer { writesOutstanding.subtract(1, ordering: .releasing) }
            try body()
        }
    }
}
