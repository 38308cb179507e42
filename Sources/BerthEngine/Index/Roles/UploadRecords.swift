/// Upload sessions, read (they are written through the upload rules in a transaction).
public protocol UploadRecords: Sendable {
    /// The session, or nil.
    func upload(_ id: UploadID) throws -> UploadRecord?
    /// Every open session.
    func allUploads() throws -> [UploadRecord]
}
