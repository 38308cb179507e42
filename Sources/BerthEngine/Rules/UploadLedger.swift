import BerthModel
import Foundation

/// The rules of upload sessions in the index: a session's durable offset only moves forward
/// from where the client found it, and a finished session becomes a blob link in its own
/// repository, in the same transaction.
extension MetadataIndex {
    /// Records a new, empty upload session.
    public func createUpload(_ id: UploadID, repository: RepositoryName, owner: String?, now: Date) async throws -> UploadRecord {
        let record = UploadRecord(id: id, repository: repository, offset: 0, createdAt: now, updatedAt: now, owner: owner)
        try await write { txn in try txn.putUpload(record) }
        return record
    }

    /// Moves a session's durable offset from `expected` to `offset`. Throws
    /// `RegistryError.uploadOffsetMismatch` if the session is no longer at `expected`.
    public func advanceUpload(_ id: UploadID, from expected: Int64, to offset: Int64, now: Date) async throws -> UploadRecord {
        try await write { txn in
            guard let current = try txn.upload(id) else { throw RegistryError.uploadUnknown(id.description) }
            guard current.offset == expected else { throw RegistryError.uploadOffsetMismatch(expected: current.offset, got: expected) }
            let next = UploadRecord(id: id, repository: current.repository, offset: offset, createdAt: current.createdAt,
                                    updatedAt: now, owner: current.owner)
            try txn.putUpload(next)
            return next
        }
    }

    /// Ends a session and links its blob into the session's repository, in one transaction.
    /// Returns the session as it was.
    @discardableResult
    public func finishUpload(_ id: UploadID, blob digest: Digest, size: Int64, now: Date) async throws -> UploadRecord {
        try await write { txn in
            guard let record = try txn.upload(id) else { throw RegistryError.uploadUnknown(id.description) }
            try txn.removeUpload(id)
            try txn.putBlobLink(BlobLink(digest: digest, size: size, linkedAt: now), in: record.repository)
            return record
        }
    }

    /// Ends a session without a blob; returns the session as it was, nil if it did not exist.
    @discardableResult
    public func deleteUpload(_ id: UploadID) async throws -> UploadRecord? {
        try await write { txn in
            guard let record = try txn.upload(id) else { return nil }
            _ = try txn.removeUpload(id)
            return record
        }
    }
}
