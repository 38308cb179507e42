/// How many committed blobs a store holds and their bytes.
public struct BlobUsage: Sendable, Equatable {
    /// Committed blobs.
    public var blobs: Int
    /// Their bytes, as stored.
    public var bytes: Int64

    /// Usage of `blobs` blobs of `bytes` bytes in all.
    public init(blobs: Int = 0, bytes: Int64 = 0) {
        self.blobs = blobs
        self.bytes = bytes
    }
}
