import BerthModel
import Foundation

/// A place in a repository's manifests listed newest push first: the push time (to the
/// millisecond, as the index keeps it) and digest of the last manifest a page showed. A page
/// after it starts with the next older manifest, even when that manifest was deleted since.
public struct PushOrderPosition: Sendable, Hashable, CustomStringConvertible {
    /// Milliseconds since 1970 of the push.
    public let pushedAtMilliseconds: Int64
    /// The manifest's digest (ties of the same millisecond are in digest order).
    public let digest: Digest

    /// The position of a manifest record.
    public init(_ record: ManifestRecord) {
        self.init(pushedAtMilliseconds: record.pushedAt.millisecondsSince1970, digest: record.digest)
    }

    /// A position from its parts.
    public init(pushedAtMilliseconds: Int64, digest: Digest) {
        self.pushedAtMilliseconds = pushedAtMilliseconds
        self.digest = digest
    }

    /// `<ms>.<algorithm>:<hex>`: what a page's link carries.
    public var description: String { "\(pushedAtMilliseconds).\(digest)" }

    /// Parses the `description` form; nil for anything else.
    public init?(parsing text: some StringProtocol) {
        guard let dot = text.firstIndex(of: "."), let milliseconds = Int64(text[..<dot]), milliseconds >= 0,
              let digest = try? Digest(parsing: String(text[text.index(after: dot)...])) else { return nil }
        self.init(pushedAtMilliseconds: milliseconds, digest: digest)
    }
}
