import Foundation
import Synchronization

/// Whether the registry records replication events, and the keys it records them under.
///
/// The registry's push and delete paths ask it for a key inside their index transaction and
/// store the event there (`ReplicationLedger`, kind `.outbox`): the event is committed with the
/// change or not at all. It records only while a rule needs events (`Replicator` switches it),
/// so a registry without event rules pays nothing. Keys increase within a process and start
/// past the largest stored one: the outbox drains in push order, and a key is never reused.
public final class ReplicationOutbox: Sendable {
    private struct State {
        var recording = false
        var next: UInt64 = 1
    }

    private let state = Mutex(State())

    /// An outbox that records nothing until switched on.
    public init() {}

    /// Whether events are being recorded.
    public var isRecording: Bool { state.withLock { $0.recording } }

    /// Switches recording; keys continue after `lastKey` (the largest stored) when it is larger.
    public func record(_ on: Bool, after lastKey: UInt64) {
        state.withLock { state in
            state.recording = on
            state.next = max(state.next, lastKey + 1)
        }
    }

    /// Records while `settings` has a rule that needs events, keys continuing after the largest
    /// in `index`. The registry does this when it opens (so a command on the data root records
    /// its deletes too), replication whenever its rules change.
    func configure(for settings: ReplicationSettings, in index: any MetadataIndex) throws(RegistryError) {
        // Past the largest key stored and every rule's cursor: records the rules have passed
        // are pruned, and a key handed out again would sort behind a cursor and never be seen.
        let largest = try RegistryError.wrapping { () throws -> UInt64 in
            let stored = try index.replicationRecords(.outbox, prefix: [], newestFirst: true, limit: 1).first.map { Self.sequence(of: $0.key) } ?? 0
            let cursors = try index.replicationRecords(.cursor, prefix: [], newestFirst: false, limit: Int.max).map { Self.sequence(of: $0.value) }
            return max(stored, cursors.max() ?? 0)
        }
        record(settings.rules.contains { $0.needsEvents }, after: largest)
    }

    /// The key of a new event, or nil when nothing is recorded.
    public func nextKey() -> [UInt8]? {
        state.withLock { state -> [UInt8]? in
            guard state.recording else { return nil }
            defer { state.next += 1 }
            return Self.key(state.next)
        }
    }

    /// The stored key of sequence number `value` (8 bytes, big-endian: key order is push order).
    public static func key(_ value: UInt64) -> [UInt8] {
        var writer = BinaryWriter(capacity: 8)
        writer.u64(value)
        return writer.bytes
    }

    /// The sequence number of a stored key (0 for one too short to be a key).
    public static func sequence(of key: [UInt8]) -> UInt64 {
        var reader = BinaryReader(key)
        return (try? reader.u64()) ?? 0
    }

    /// An event's stored form.
    static func encode(_ event: ReplicationEvent) throws -> [UInt8] {
        Array(try JSONEncoder().encode(event))
    }
}
