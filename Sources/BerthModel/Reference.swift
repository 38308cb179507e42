/// What follows `/manifests/` in a request: a tag or a digest.
public enum Reference: Sendable, Hashable, CustomStringConvertible {
    /// A tag reference.
    case tag(Tag)
    /// A digest reference.
    case digest(Digest)

    /// A string with a `:` is a digest (tags cannot contain one), anything else a tag.
    public init(parsing string: some StringProtocol) throws(ValidationError) {
        if string.contains(":") {
            self = .digest(try Digest(parsing: string))
        } else {
            self = .tag(try Tag(parsing: string))
        }
    }

    public var description: String {
        switch self {
        case .tag(let tag): tag.value
        case .digest(let digest): digest.description
        }
    }
}
