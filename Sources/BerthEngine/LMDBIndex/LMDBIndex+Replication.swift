import Foundation

/// Replication's records: one database, keys led by the record's kind.
extension LMDBIndex {
    public func replicationRecord(_ kind: ReplicationRecordKind, _ key: [UInt8]) throws -> [UInt8]? {
        try lmdbRead { txn in try txn.get(db.replication, [kind.rawValue] + key) }
    }

    public func replicationRecords(_ kind: ReplicationRecordKind, prefix: [UInt8], newestFirst: Bool, limit: Int) throws -> [(key: [UInt8], value: [UInt8])] {
        let full = [kind.rawValue] + prefix
        return try lmdbRead { txn in
            var records: [(key: [UInt8], value: [UInt8])] = []
            guard limit > 0 else { return records }
            let visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool = { key, value in
                records.append((Array(key.dropFirst()), Array(value)))
                return records.count < limit
            }
            if newestFirst {
                try txn.scanBackward(db.replication, prefix: full, visit)
            } else {
                try txn.scan(db.replication, from: full, prefix: full, visit)
            }
            return records
        }
    }

    public func replicationRecords(_ kind: ReplicationRecordKind, after key: [UInt8], limit: Int) throws -> [(key: [UInt8], value: [UInt8])] {
        // The smallest key after `key` is `key` followed by a zero byte.
        let start = [kind.rawValue] + key + [0]
        return try lmdbRead { txn in
            var records: [(key: [UInt8], value: [UInt8])] = []
            guard limit > 0 else { return records }
            try txn.scan(db.replication, from: start, prefix: [kind.rawValue]) { key, value in
                records.append((Array(key.dropFirst()), Array(value)))
                return records.count < limit
            }
            return records
        }
    }
}
