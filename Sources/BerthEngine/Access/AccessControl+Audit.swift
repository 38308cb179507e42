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

    /// A page of the audit log, newest first: up to `limit` events older than the cursor
    /// `before` (a previous page's `next`; nil: from the newest). `.invalidPolicy` for a cursor
    /// that is not one.
    public func auditPage(before cursor: String? = nil, limit: Int) throws(RegistryError) -> (events: [AuditEvent], next: String?) {
        var position: [UInt8]?
        if let cursor {
            guard cursor.count == 24, let bytes = Self.bytes(hex: cursor) else { throw .invalidPolicy("\(cursor) is not an audit log position") }
            position = bytes
        }
        let page = try RegistryError.wrapping { try index.auditEvents(before: position, limit: max(1, min(limit, 1000))) }
        let decoder = JSONDecoder()
        let events = page.items.compactMap { try? decoder.decode(AuditEvent.self, from: Data($0.event)) }
        let next = page.hasMore ? page.items.last.map { $0.position.map { String(format: "%02x", $0) }.joined() } : nil
        return (events, next)
    }

    private static func bytes(hex: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) ?? hex.endIndex
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
