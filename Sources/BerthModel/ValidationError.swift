/// Why a string or a document is not a valid OCI value. Every parser in this module throws
/// only this, and never traps, whatever its input.
public enum ValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A digest that does not follow the digest grammar, or a sha256/sha512 one with a wrong encoded part.
    case invalidDigest(String, reason: String)
    /// A digest that follows the grammar but uses an algorithm other than sha256 or sha512.
    case unsupportedDigestAlgorithm(String)
    /// A repository name outside the distribution spec's grammar or length.
    case invalidRepositoryName(String, reason: String)
    /// A tag outside `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
    case invalidTag(String, reason: String)
    /// A reference that is neither a valid tag nor a valid digest.
    case invalidReference(String, reason: String)
    /// A media type that is not `type/subtype` as RFC 6838 defines them.
    case invalidMediaType(String, reason: String)
    /// A manifest media type the registry does not accept.
    case unsupportedMediaType(String)
    /// A manifest over the size limit.
    case manifestTooLarge(size: Int, limit: Int)
    /// A manifest that is not valid; the reason names the field.
    case invalidManifest(String)

    /// A one-line message for an API error body, naming the value (quoted, escaped and cut to
    /// 200 characters) and the reason.
    public var description: String {
        switch self {
        case .invalidDigest(let value, let reason): "invalid digest \(Self.quote(value)): \(reason)"
        case .unsupportedDigestAlgorithm(let value): "unsupported digest algorithm in \(Self.quote(value)) (sha256 and sha512 are supported)"
        case .invalidRepositoryName(let value, let reason): "invalid repository name \(Self.quote(value)): \(reason)"
        case .invalidTag(let value, let reason): "invalid tag \(Self.quote(value)): \(reason)"
        case .invalidReference(let value, let reason): "invalid reference \(Self.quote(value)): \(reason)"
        case .invalidMediaType(let value, let reason): "invalid media type \(Self.quote(value)): \(reason)"
        case .unsupportedMediaType(let value): "unsupported manifest media type \(Self.quote(value))"
        case .manifestTooLarge(let size, let limit): "manifest of \(size) bytes is over the limit of \(limit) bytes"
        case .invalidManifest(let reason): "invalid manifest: \(reason)"
        }
    }

    /// Quotes a value for a message: cut short so a hostile megabyte does not echo back whole,
    /// with quotes, backslashes and control characters escaped so the message stays one line.
    static func quote(_ value: String) -> String {
        let limit = 200
        var shown = String(value.prefix(limit + 1))
        if shown.count > limit { shown = String(shown.prefix(limit)) + "…" }
        return shown.debugDescription
    }
}
