import Synchronization

/// The ingest buffers of one registry: lent to ingests, taken back, reused.
///
/// Why a pool: a fresh buffer costs a page fault and a zeroed page for every 4 KiB of it, paid
/// again by every request of a chunked upload (a 16 MiB `PATCH` would map, fault and zero all
/// of its buffers); and memory for pushes should have one bound, not one per push.
///
/// Guarantees:
/// 1. `take()` always succeeds: every ingest can have the two buffers it needs to make
///    progress (one filling, one being written), whatever the load.
/// 2. `takeExtra()` lends more only while the extras lent out stay within `limit` buffers;
///    it never waits. Extras let one ingest keep several buffers in flight, which
///    absorbs scheduling hiccups between the body, the disk and the hash.
/// 3. At most `limit` buffers are kept between ingests; the rest are unmapped when given back.
/// Buffers come back empty (`reset`).
final class IngestBufferPool: Sendable {
    /// The capacity of every buffer lent.
    let bufferSize: Int
    /// Extra buffers that may be lent out at once (beyond the ones `take` lends), and buffers
    /// kept for reuse between ingests: the memory limit in buffers.
    let limit: Int

    private struct State {
        var idle: [IngestBuffer] = []
        var extrasLent = 0
        var lent = 0
    }

    private let state = Mutex(State())

    /// A pool of `bufferSize`-byte buffers whose extras and idle buffers each stay within
    /// `memoryLimit` bytes.
    init(bufferSize: Int, memoryLimit: Int) {
        self.bufferSize = IngestBuffer.roundedCapacity(bufferSize)
        self.limit = max(0, memoryLimit / self.bufferSize)
    }

    /// Extra buffers lent out now.
    var extrasLentOut: Int { state.withLock { $0.extrasLent } }

    /// Buffers lent out now, extras included.
    var lentOut: Int { state.withLock { $0.lent } }

    /// Buffers kept idle for reuse now.
    var idleCount: Int { state.withLock { $0.idle.count } }

    /// A buffer, reused if one is idle, else new.
    func take() -> IngestBuffer {
        state.withLock { state in
            state.lent += 1
            return state.idle.popLast()
        } ?? IngestBuffer(capacity: bufferSize)
    }

    /// An extra buffer, or nil when the extras lent out have reached the limit.
    func takeExtra() -> IngestBuffer? {
        let reserved: (Bool, IngestBuffer?) = state.withLock { state in
            guard state.extrasLent < limit else { return (false, nil) }
            state.extrasLent += 1
            state.lent += 1
            return (true, state.idle.popLast())
        }
        guard reserved.0 else { return nil }
        return reserved.1 ?? IngestBuffer(capacity: bufferSize)
    }

    /// Takes back a buffer lent by `take` (`extra` false) or `takeExtra` (`extra` true).
    func give(_ buffer: IngestBuffer, extra: Bool) {
        buffer.reset()
        // A buffer not kept is released outside the lock (unmapping it is a system call).
        let dropped: IngestBuffer? = state.withLock { state in
            if extra { state.extrasLent -= 1 }
            state.lent -= 1
            guard state.idle.count < limit, buffer.capacity == bufferSize else { return buffer }
            state.idle.append(buffer)
            return nil
        }
        withExtendedLifetime(dropped) {}
    }
}
