/// Why a TUF document cannot be read: not JSON, or JSON that is not the metadata it claims to
/// be (the message names the field).
public enum TUFMetadataError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not one valid JSON text of the kind TUF writes.
    case malformed(String)
    /// Valid JSON, but a field is missing or of the wrong kind.
    case invalidField(String)

    public var description: String {
        switch self {
        case .malformed(let reason): "not TUF metadata: \(reason)"
        case .invalidField(let reason): "invalid TUF metadata: \(reason)"
        }
    }
}
