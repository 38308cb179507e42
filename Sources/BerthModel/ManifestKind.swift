/// The four kinds of manifest a registry accepts.
public enum ManifestKind: Sendable, Hashable, CaseIterable {
    /// OCI image manifest (also used for artifacts).
    case ociImageManifest
    /// OCI image index.
    case ociImageIndex
    /// Docker image manifest, schema 2.
    case dockerManifest
    /// Docker manifest list.
    case dockerManifestList

    /// The kind's media type.
    public var mediaType: MediaType {
        switch self {
        case .ociImageManifest: .ociImageManifest
        case .ociImageIndex: .ociImageIndex
        case .dockerManifest: .dockerManifest
        case .dockerManifestList: .dockerManifestList
        }
    }

    /// Whether manifests of this kind list other manifests.
    public var isIndex: Bool { self == .ociImageIndex || self == .dockerManifestList }

    /// Whether this is an OCI kind (which may carry `subject` and `artifactType`).
    public var isOCI: Bool { self == .ociImageManifest || self == .ociImageIndex }

    /// The kind of a media type, compared by essence; nil for any other type.
    public init?(mediaType: MediaType) {
        let essence = mediaType.essence
        guard let kind = Self.allCases.first(where: { $0.mediaType.rawValue == essence }) else { return nil }
        self = kind
    }
}
