import NIOCore

/// Request bodies arrive as `ByteBuffer`s; the engine takes any `ContiguousBytesCollection`,
/// so a buffer's readable bytes go to disk without a copy into an array.
extension ByteBuffer: ContiguousBytesCollection {
    public func withContiguousBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeReadableBytes(body)
    }
}
