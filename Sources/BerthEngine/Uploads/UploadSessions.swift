import BerthModel
import Synchronization

/// The live state of upload sessions in this process: the open writer (with its running hash)
/// and whether a request is using the session right now.
///
/// The durable state (repository, offset) is in the index; this is only a cache plus the
/// one-request-at-a-time rule. A session absent here after a restart is simply reopened from
/// its partial file on its next request.
///
/// Not generic over the store's writer type: the registry is generic over its store, and a
/// generic cache would make every lookup here go through unspecialised code; the registry casts
/// the one writer it takes back.
final class UploadSessions: Sendable {
    /// A writer handed to exactly one request at a time.
    final class Lease: @unchecked Sendable {
        // @unchecked: `writer` is only touched by the request holding the lease; `acquire`
        // refuses a second holder until `release`.
        var writer: AnyObject?
        init(writer: AnyObject?) { self.writer = writer }
    }

    private struct Entry {
        var busy: Bool
        var lease: Lease
        /// When the session was last given back (a tick of `State.clock`), for eviction.
        var releasedAt: UInt64 = 0
    }

    private struct State {
        var entries: [UploadID: Entry] = [:]
        var clock: UInt64 = 0
    }

    private let state = Mutex(State())

    /// Idle sessions that keep their writer (an open file and a running hash) between requests.
    /// Past it, the longest idle one closes its writer: its next request reopens the partial
    /// file and rebuilds the hash from it. Bounds the descriptors idle uploads hold.
    let maximumIdleWriters: Int

    /// Sessions keeping at most `maximumIdleWriters` writers open while idle.
    init(maximumIdleWriters: Int = 256) {
        self.maximumIdleWriters = maximumIdleWriters
    }

    /// Takes a session for one request. Throws `uploadInvalid` if another request holds it.
    func acquire(_ id: UploadID) throws(RegistryError) -> Lease {
        let lease: Lease? = state.withLock { state in
            if var entry = state.entries[id] {
                if entry.busy { return nil }
                entry.busy = true
                state.entries[id] = entry
                return entry.lease
            }
            let lease = Lease(writer: nil)
            state.entries[id] = Entry(busy: true, lease: lease)
            return lease
        }
        guard let lease else { throw .uploadInvalid("another request is already writing to upload \(id)") }
        return lease
    }

    /// Gives a session back after a request. A session without a writer (an unknown id, or a
    /// request that failed before opening one) leaves nothing behind.
    func release(_ id: UploadID) {
        let evicted: Lease? = state.withLock { state in
            guard var entry = state.entries[id] else { return nil }
            guard entry.lease.writer != nil else {
                state.entries.removeValue(forKey: id)
                return nil
            }
            state.clock += 1
            entry.busy = false
            entry.releasedAt = state.clock
            state.entries[id] = entry
            let idle = state.entries.filter { !$0.value.busy && $0.value.lease.writer != nil }
            guard idle.count > maximumIdleWriters,
                  let oldest = idle.min(by: { $0.value.releasedAt < $1.value.releasedAt }) else { return nil }
            return state.entries.removeValue(forKey: oldest.key)?.lease
        }
        // Closed outside the lock: the writer's descriptor goes with its last reference.
        evicted?.writer = nil
    }

    /// Forgets a session (finished, cancelled, expired); its writer closes when released.
    func remove(_ id: UploadID) {
        _ = state.withLock { state in state.entries.removeValue(forKey: id) }
    }

    /// Sessions this process tracks now (held by a request, or idle with an open writer).
    var count: Int { state.withLock { $0.entries.count } }

    /// Idle sessions holding an open writer now.
    var idleWriters: Int {
        state.withLock { state in state.entries.values.count { !$0.busy && $0.lease.writer != nil } }
    }
}
