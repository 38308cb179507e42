import BerthModel
import Foundation

/// Upload sessions: their repository and durable offset, so they survive a restart.
extension LMDBIndex {
    public func createUpload(_ id: UploadID, repository: RepositoryName, owner: String?, now: Date) async throws -> UploadRecord {
        let record = UploadRecord(id: id, repository: repository, offset: 0, createdAt: now, updatedAt: now, owner: owner)
        try await write { txn in try txn.put(self.db.uploads, id.bytes, Self.encodeUpload(record)) }
        return record
    }

    public func upload(_ id: UploadID) throws -> UploadRecord? {
        try read { txn in try txn.get(db.uploads, id.bytes).map { try Self.decodeUpload(id, $0) } }
    }

    public func advanceUpload(_ id: UploadID, from expected: Int64, to offset: Int64, now: Date) async throws -> UploadRecord {
        try await write { txn in
            guard let value = try txn.get(self.db.uploads, id.bytes) else { throw RegistryError.uploadUnknown(id.description) }
            let current = try Self.decodeUpload(id, value)
            guard current.offset == expected else { throw RegistryError.uploadOffsetMismatch(expected: current.offset, got: expected) }
            let next = UploadRecord(id: id, repository: current.repository, offset: offset, createdAt: current.createdAt,
                                    updatedAt: now, owner: current.owner)
            try txn.put(self.db.uploads, id.bytes, Self.encodeUpload(next))
            return next
        }
    }

    public func finishUpload(_ id: UploadID, blob digest: Digest, size: Int64, now: Date) async throws {
        try await write { txn in
            guard let value = try txn.get(self.db.uploads, id.bytes) else { throw RegistryError.uploadUnknown(id.description) }
            let record = try Self.decodeUpload(id, value)
            try txn.delete(self.db.uploads, id.bytes)
            try self.link(digest, size: size, into: record.repository, now: now, txn)
        }
    }

    public func deleteUpload(_ id: UploadID) async throws -> Bool {
        try await write { txn in try txn.delete(self.db.uploads, id.bytes) }
    }

    public func allUploads() throws -> [UploadRecord] {
        try read { txn in
            var records: [UploadRecord] = []
            try txn.scan(db.uploads, from: [], prefix: []) { key, value in
                records.append(try Self.decodeUpload(UploadID(bytes: Array(key)), Array(value)))
                return true
            }
            return records
        }
    }

    static func encodeUpload(_ record: UploadRecord) -> [UInt8] {
        var w = BinaryWriter()
        w.string(record.repository.value)
        w.i64(record.offset)
        w.i64(record.createdAt.millisecondsSince1970)
        w.i64(record.updatedAt.millisecondsSince1970)
        if let owner = record.owner { w.string(owner) }
        return w.bytes
    }

    static func decodeUpload(_ id: UploadID, _ value: [UInt8]) throws -> UploadRecord {
        var r = BinaryReader(value)
        let repository = try RepositoryName(parsing: try r.string())
        let offset = try r.i64()
        let created = Date(millisecondsSince1970: try r.i64())
        let updated = Date(millisecondsSince1970: try r.i64())
        let owner = r.isAtEnd ? nil : try r.string()
        return UploadRecord(id: id, repository: repository, offset: offset, createdAt: created, updatedAt: updated, owner: owner)
    }
}
