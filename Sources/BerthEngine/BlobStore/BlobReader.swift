/// A committed blob opened for reading by byte range.
public protocol BlobReader: AnyObject, Sendable {
    /// The blob's length.
    var size: Int64 { get }
    /// Reads up to `buffer.count` bytes at `offset` into `buffer`; fewer only at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int
    /// A capability a store may offer: the path of a local file holding exactly the blob's
    /// bytes, which the HTTP layer may send without copying (`sendfile`). Nil (the default)
    /// when the blob is not a local file; readers are then read by range.
    var backingFile: String? { get }
}

extension BlobReader {
    /// No local file backs the blob.
    public var backingFile: String? { nil }

    /// Reads up to `count` bytes at `offset` into a new array.
    public func read(at offset: Int64, count: Int) throws -> [UInt8] {
        let length = Int(max(0, min(Int64(count), size - offset)))
        return try [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            initialized = try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
        }
    }
}
