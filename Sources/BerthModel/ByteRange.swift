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

/// The `Content-Range` of an upload chunk: `<start>-<end>` as the distribution spec writes it
/// (a `bytes ` prefix and a `/<total>` suffix are accepted too).
public struct ContentRange: Equatable, Sendable {
    /// First byte of the chunk within the upload.
    public let start: Int64
    /// Last byte, inclusive (`start - 1` for an empty chunk).
    public let end: Int64

    /// Parses the header; nil for anything malformed.
    public init?(parsing header: String) {
        guard header.utf8.count <= 256 else { return nil }
        var value = Substring(header)
        if value.hasPrefix("bytes ") { value = value.dropFirst(6) }
        if let slash = value.firstIndex(of: "/") { value = value[..<slash] }
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = Int64(parts[0]), let end = Int64(parts[1]), start >= 0, end >= start - 1,
              end < Int64.max else { return nil }
        self.start = start
        self.end = end
    }

    /// The chunk's length.
    public var length: Int64 { end - start + 1 }
}
