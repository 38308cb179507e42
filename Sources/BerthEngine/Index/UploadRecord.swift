import BerthModel
import Foundation

/// What the index knows of one resumable upload session.
public struct UploadRecord: Sendable, Hashable {
    /// The session's id, random, as it appears in upload URLs.
    public let id: UploadID
    /// The repository the session was opened for; it only finishes there.
    public let repository: RepositoryName
    /// Bytes durably received so far; the next chunk must start here.
    public let offset: Int64
    /// When the session was opened.
    public let createdAt: Date
    /// When a chunk last arrived; sessions idle longer than the expiry are removed.
    public let updatedAt: Date
    /// The account that opened the session (nil in anonymous mode): only it may continue it.
    public var owner: String?

    /// A session record.
    public init(id: UploadID, repository: RepositoryName, offset: Int64, createdAt: Date, updatedAt: Date, owner: String? = nil) {
        self.id = id
        self.repository = repository
        self.offset = offset
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.owner = owner
    }
}
