import BerthModel

/// Receives new content: monolithic ingests and durable upload sessions.
public protocol BlobIngester: Sendable {
    /// The writer type this store ingests with.
    associatedtype Writer: BlobWriter
    /// Starts an ingest in a fresh temporary location.
    func startIngest() throws -> Writer
    /// Creates an upload session's empty partial durably (it survives a crash from here on).
    func createUpload(_ id: UploadID) throws
    /// Opens an upload session's durable partial positioned at `offset`; bytes past `offset`
    /// (left by a crash) are discarded.
    func resumeUpload(_ id: UploadID, at offset: Int64) throws -> Writer
    /// Whether an upload session's partial exists.
    func hasUpload(_ id: UploadID) -> Bool
    /// Removes an upload session's partial (a cancelled or expired session).
    func removeUpload(_ id: UploadID) throws
    /// Removes what a crash left behind: every partial of a monolithic ingest, and every
    /// upload partial whose session is not in `sessions`.
    func removeLeftovers(keepingUploads sessions: Set<UploadID>) throws
}
