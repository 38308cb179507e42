import BerthModel
import Synchronization

/// The live state of upload sessions in this process: the open writer (with its running hash)
/// and whether a request is using the session right now.
///
/// The durable state (repository, offset) is in the index; this is only a cache plus the
/// one-request-at-a-time rule. A session absent here after a restart is simply reopened from
/// its partial file on its next request.
final class UploadSessions: Sendable {
    /// A writer handed to exactly one request at a time.
    final class Lease: @unchecked Sendable {
        // @unchecked: `writer` is only touched by the request holding the lease; `acquire`
        // refuses a second holder until `release`.
        var writer: FileBlobWriter?
        init(writer: FileBlobWriter?) { self.writer = writer }
    }

    private struct Entry {
        var busy: Bool
        var lease: Lease
    }

    private let entries = Mutex<[UploadID: Entry]>([:])

    /// Takes a session for one request. Throws `uploadInvalid` if another request holds it.
    func acquire(_ id: UploadID) throws(RegistryError) -> Lease {
        let lease: Lease? = entries.withLock { entries in
            if var entry = entries[id] {
                if entry.busy { return nil }
                entry.busy = true
                entries[id] = entry
                return entry.lease
            }
            let lease = Lease(writer: nil)
            entries[id] = Entry(busy: true, lease: lease)
            return lease
        }
        guard let lease else { throw .uploadInvalid("another request is already writing to upload \(id)") }
        return lease
    }

    /// Gives a session back after a request.
    func release(_ id: UploadID) {
        entries.withLock { entries in entries[id]?.busy = false }
    }

    /// Forgets a session (finished, cancelled, expired); its writer closes when released.
    func remove(_ id: UploadID) {
        _ = entries.withLock { entries in entries.removeValue(forKey: id) }
    }

    /// Whether a request holds the session now.
    func isBusy(_ id: UploadID) -> Bool {
        entries.withLock { $0[id]?.busy ?? false }
    }
}
