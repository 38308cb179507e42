import Foundation

/// The append-only audit log, in time order. Events are appended by the primitive
/// transaction (`IndexWriteTransaction.appendAudit`): in the transaction of the change they
/// record, or in one of their own (`TransactionalIndex.appendAudit`).
public protocol AuditLog: Sendable {
    /// The newest `limit` audit events, oldest first.
    func auditEvents(limit: Int) throws -> [[UInt8]]
    /// Up to `limit` events older than the one at `position` (nil: from the newest), newest
    /// first, each with its position (an opaque key of the log's order).
    func auditEvents(before position: [UInt8]?, limit: Int) throws -> Page<(position: [UInt8], event: [UInt8])>
}

extension TransactionalIndex {
    /// Appends an audit event in a write transaction of its own (events of one millisecond
    /// keep their order), for what is not itself an index write: a refused sign-in, a policy
    /// change, a collection.
    public func appendAudit(_ event: [UInt8], at time: Date) async throws {
        try await write { txn in try txn.appendAudit(event, at: time) }
    }
}
