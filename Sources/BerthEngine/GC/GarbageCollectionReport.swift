/// What a run removed (or, dry, would remove).
public struct GarbageCollectionReport: Sendable, Codable, Equatable {
    /// Whether this was a dry run.
    public var dryRun = false
    /// Manifests removed, as `repository@digest`.
    public var manifests: [String] = []
    /// Bytes of those manifests.
    public var manifestBytes: Int64 = 0
    /// Blob links removed, as `repository@digest`.
    public var blobLinks: [String] = []
    /// Blob files removed.
    public var blobs: [String] = []
    /// Bytes of those blob files.
    public var blobBytes: Int64 = 0
}
