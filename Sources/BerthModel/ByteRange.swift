/// A single byte range of a `Range: bytes=…` request header, resolved against a length.
public struct ByteRange: Equatable, Sendable {
    /// First byte, inclusive.
    public let start: Int64
    /// Last byte, inclusive.
    public let end: Int64

    /// How many bytes the range covers.
    public var count: Int64 { end - start + 1 }

    /// A range from its inclusive bounds.
    public init(start: Int64, end: Int64) {
        self.start = start
        self.end = end
    }

    /// The range a header asks for within `size` bytes.
    /// - Returns: nil when the header is absent, malformed or asks for several ranges (then the
    ///   whole blob is served, as RFC 9110 allows).
    /// - Throws: `Unsatisfiable` when the range lies wholly outside the blob.
    public static func parse(_ header: String?, size: Int64) throws(Unsatisfiable) -> ByteRange? {
        guard let header, header.hasPrefix("bytes="), header.utf8.count <= 256 else { return nil }
        let spec = Substring(header.dropFirst(6)).trimmingSpaces
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash]
        let last = spec[spec.index(after: dash)...]
        if first.isEmpty {
            // bytes=-N: the last N bytes.
            guard let suffix = Int64(last), suffix > 0 else { return nil }
            guard size > 0 else { throw Unsatisfiable() }
            return ByteRange(start: max(0, size - suffix), end: size - 1)
        }
        guard let start = Int64(first), start >= 0 else { return nil }
        guard start < size else { throw Unsatisfiable() }
        if last.isEmpty { return ByteRange(start: start, end: size - 1) }
        guard let end = Int64(last), end >= start else { return nil }
        return ByteRange(start: start, end: min(end, size - 1))
    }

    /// The requested range does not overlap the blob (answered with 416).
    public struct Unsatisfiable: Error, Sendable {}
}
