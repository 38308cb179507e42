import Foundation

/// The append-only audit log, in time order.
public protocol AuditLog: Sendable {
    /// Appends an audit event (events of one millisecond keep their order).
    func appendAudit(_ event: [UInt8], at time: Date) async throws
    /// The newest `limit` audit events, oldest first.
    func auditEvents(limit: Int) throws -> [[UInt8]]
}
