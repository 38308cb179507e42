/// A single byte range of a `Range: bytes=…` request header, resolved against a length.
struct ByteRange: Equatable, Sendable {
    /// First byte, inclusive.
    let start: Int64
    /// Last byte, inclusive.
    let end: Int64

    var count: Int64 { end - start + 1 }

    /// The range a header asks for within `size` bytes.
    /// - Returns: nil when the header is absent, malformed or asks for several ranges (then the
    ///   whole blob is served, as RFC 9110 allows).
    /// - Throws: `Unsatisfiable` when the range lies wholly outside the blob.
    static func parse(_ header: String?, size: Int64) throws(Unsatisfiable) -> ByteRange? {
        guard let header, header.hasPrefix("bytes=") else { return nil }
        let spec = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
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
    struct Unsatisfiable: Error {}
}

import Foundation
