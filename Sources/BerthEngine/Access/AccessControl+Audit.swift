import BerthModel
import Foundation

/// The audit log: every change, with its actor.
extension AccessControl {
    /// Appends an event to the audit log; a failure to record it is not the request's failure.
    public func audit(_ event: AuditEvent) async {
        guard !readOnly, let data = try? JSONEncoder().encode(event) else { return }
        try? await index.appendAudit(Array(data), at: event.time)
    }

    /// The newest `limit` audit events, oldest first.
    public func auditLog(limit: Int = 1000) throws(RegistryError) -> [AuditEvent] {
        let decoder = JSONDecoder()
        return try RegistryError.wrapping { try index.auditEvents(limit: limit) }.compactMap { try? decoder.decode(AuditEvent.self, from: Data($0)) }
    }

}
