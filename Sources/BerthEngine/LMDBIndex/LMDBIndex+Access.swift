import BerthModel
import Foundation
import Synchronization

/// Users, projects, memberships and the audit log.
extension LMDBIndex {
    private static func accessKey(_ kind: String, _ key: String) -> [UInt8] { Array(kind.utf8) + [0] + Array(key.utf8) }

    public func accessRecord(_ kind: String, _ key: String) throws -> [UInt8]? {
        try lmdbRead { txn in try txn.get(db.access, Self.accessKey(kind, key)) }
    }

    @discardableResult
    public func setAccessRecord(_ kind: String, _ key: String, _ value: [UInt8]?) async throws -> Bool {
        try await setAccessRecords([(kind, key, value)])[0]
    }

    public func setAccessRecords(_ changes: [(kind: String, key: String, value: [UInt8]?)]) async throws -> [Bool] {
        try await lmdbWrite { txn in
            try changes.map { change in
                let full = Self.accessKey(change.kind, change.key)
                let existed = try txn.contains(self.db.access, full)
                if let value = change.value { try txn.put(self.db.access, full, value) } else { try txn.delete(self.db.access, full) }
                return existed
            }
        }
    }

    public func accessRecords(_ kind: String, prefix: String) throws -> [(key: String, value: [UInt8])] {
        let start = Self.accessKey(kind, prefix)
        let kindLength = kind.utf8.count + 1
        return try lmdbRead { txn in
            var records: [(key: String, value: [UInt8])] = []
            try txn.scan(db.access, from: start, prefix: start) { key, value in
                records.append((String(decoding: key[kindLength...], as: UTF8.self), Array(value)))
                return true
            }
            return records
        }
    }

    /// Appends an audit event in `txn`. Keys are milliseconds then a counter: events of one
    /// millisecond keep their order.
    func appendAudit(_ event: [UInt8], at time: Date, _ txn: LMDBTransaction) throws {
        var prefix = BinaryWriter(capacity: 12)
        prefix.i64(time.millisecondsSince1970)
        var sequence: UInt32 = 0
        try txn.scan(db.audit, from: prefix.bytes, prefix: prefix.bytes) { _, _ in
            sequence += 1
            return true
        }
        prefix.u32(sequence)
        try txn.put(db.audit, prefix.bytes, event)
    }

    public func auditEvents(limit: Int) throws -> [[UInt8]] {
        try lmdbRead { txn in
            // From the newest back: the cost is the events returned, not the log's length.
            var events: [[UInt8]] = []
            guard limit > 0 else { return events }
            try txn.scanBackward(db.audit) { _, value in
                events.append(Array(value))
                return events.count < limit
            }
            return events.reversed()
        }
    }

    public func auditEvents(before position: [UInt8]?, limit: Int) throws -> Page<(position: [UInt8], event: [UInt8])> {
        try lmdbRead { txn in
            var events: [(position: [UInt8], event: [UInt8])] = []
            guard limit > 0 else { return Page(items: events, hasMore: false) }
            var hasMore = false
            let visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool = { key, value in
                if events.count == limit { hasMore = true; return false }
                events.append((Array(key), Array(value)))
                return true
            }
            if let position { try txn.scanBackward(db.audit, below: position, visit) } else { try txn.scanBackward(db.audit, visit) }
            return Page(items: events, hasMore: hasMore)
        }
    }
}
