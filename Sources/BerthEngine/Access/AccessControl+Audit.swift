import BerthModel
import Foundation

/// The audit log: every change, with its actor.
extension AccessControl {
    /// Appends an event to the audit log; a failure to record it is not the request's failure,
    /// and is counted (`berth_audit_write_failures_total`).
    public func audit(_ event: AuditEvent) async {
        guard !readOnly else { return }
        do {
            try await index.appendAudit(event.encoded(), at: event.time)
        } catch {
            metrics.auditFailures.increment()
        }
    }

    /// The newest `limit` audit events, oldest first.
    public func auditLog(limit: Int = 1000) throws(RegistryError) -> [AuditEvent] {
        let decoder = JSONDecoder()
        return try RegistryError.wrapping { try index.auditEvents(limit: limit) }.compactMap { try? decoder.decode(AuditEvent.self, from: Data($0)) }
    }

}
