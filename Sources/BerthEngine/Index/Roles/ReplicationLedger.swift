/// The kinds of replication record the index keeps, each in its own key space.
public enum ReplicationRecordKind: UInt8, Sendable, CaseIterable {
    /// Executions, keyed by their id (8 bytes, big-endian).
    case execution = 1
    /// Tasks, keyed by execution id ‖ task number (8 + 4 bytes, big-endian).
    case task = 2
    /// Rule state (the last scheduled run), keyed by rule name.
    case ruleState = 3
    /// Events waiting for event-based replication, keyed by sequence (8 bytes, big-endian),
    /// written by the push or delete transaction itself (`ReplicationOutbox`).
    case outbox = 4
    /// Subjects an event rule holds back until they are signed, keyed by rule name ‖ 0 ‖
    /// repository ‖ 0 ‖ digest.
    case waiting = 5
    /// How far each event rule has acted on the outbox, keyed by rule name (the value: the
    /// key of the last outbox record it handled).
    case cursor = 6
}

/// Replication's records: executions, their tasks and each rule's state, as opaque values
/// under ordered keys. Written by the primitive transaction (`putReplicationRecord`), read
/// here. The engine's replication decides what they hold.
public protocol ReplicationLedger: Sendable {
    /// One record, or nil.
    func replicationRecord(_ kind: ReplicationRecordKind, _ key: [UInt8]) throws -> [UInt8]?
    /// Up to `limit` records whose keys start with `prefix`, in key order (or from the last
    /// key back with `newestFirst`).
    func replicationRecords(_ kind: ReplicationRecordKind, prefix: [UInt8], newestFirst: Bool, limit: Int) throws -> [(key: [UInt8], value: [UInt8])]
    /// Up to `limit` records whose keys sort after `key`, in key order.
    func replicationRecords(_ kind: ReplicationRecordKind, after key: [UInt8], limit: Int) throws -> [(key: [UInt8], value: [UInt8])]
}
