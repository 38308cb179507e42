/// What follows `/manifests/` in a request: a tag or a digest.
///
/// Tags cannot contain `:` and digests always do, so the two never overlap: a string with a
/// `:` can only be a digest and one without can only be a tag.
public enum Reference: Sendable, Hashable, CustomStringConvertible {
    /// A tag reference.
    case tag(Tag)
    /// A digest reference.
    case digest(Digest)

    /// Parses a reference: a string containing `:` as a digest, anything else as a tag.
    /// - Throws: the digest's errors (`invalidDigest`, `unsupportedDigestAlgorithm`) for a string
    ///   with a `:`, `invalidTag` for any other.
    public init(parsing string: some StringProtocol) throws(ValidationError) {
        // Bytes, not Characters: ":" followed by a combining mark is one Character that is not ":".
        if string.utf8.contains(UInt8(ascii: ":")) {
            self = .digest(try Digest(parsing: string))
        } else {
            self = .tag(try Tag(parsing: string))
        }
    }

    /// The tag, or the digest as `algorithm:encoded`: what the reference was parsed from.
    public var description: String {
        switch self {
        case .tag(let tag): tag.value
        case .digest(let digest): digest.description
        }
    }
}
