import BerthModel

/// Deletes and enumerates: for garbage collection and fsck only.
public protocol BlobManager: Sendable {
    /// Removes a committed blob. Callers must have removed every index entry naming it first
    /// (invariant 4).
    func delete(_ digest: Digest) throws
    /// Visits every committed blob; `body` returns false to stop.
    func walk(_ body: (BlobInfo) throws -> Bool) throws
}
