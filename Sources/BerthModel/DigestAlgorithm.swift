/// The digest algorithms Berth accepts.
public enum DigestAlgorithm: String, Sendable, Hashable, CaseIterable {
    /// SHA-256: required everywhere, the default.
    case sha256
    /// SHA-512: accepted for manifests and blobs whose client declares it.
    case sha512

    /// Length of the hex-encoded hash.
    public var hexLength: Int { byteCount * 2 }

    /// Length of the raw hash.
    public var byteCount: Int {
        switch self {
        case .sha256: 32
        case .sha512: 64
        }
    }
}
