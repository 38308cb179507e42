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
