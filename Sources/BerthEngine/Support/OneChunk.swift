/// An async sequence of exactly one chunk.
public struct OneChunk: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    let bytes: [UInt8]
    /// A sequence yielding `bytes` once.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public func makeAsyncIterator() -> Iterator { Iterator(bytes: bytes) }
    /// Yields the one chunk, then ends.
    public struct Iterator: AsyncIteratorProtocol {
        var bytes: [UInt8]?
        public mutating func next() async -> [UInt8]? {
            defer { bytes = nil }
            return bytes
        }
    }
}
