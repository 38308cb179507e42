import BerthModel
import Foundation

/// Upload sessions: their repository and durable offset, so they survive a restart.
extension LMDBIndex {
    public func upload(_ id: UploadID) throws -> UploadRecord? {
        try lmdbRead { txn in try txn.get(db.uploads, id.bytes).map { try Self.decodeUpload(id, $0) } }
    }

    public func allUploads() throws -> [UploadRecord] {
        try lmdbRead { txn in
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
