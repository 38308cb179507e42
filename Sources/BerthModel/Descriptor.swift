/// A content descriptor (OCI image spec): what a manifest says about a piece of content.
/// Encodes with the spec's key names and omits absent fields.
public struct Descriptor: Sendable, Hashable, Codable {
    /// The content's media type.
    public var mediaType: MediaType
    /// The content's digest.
    public var digest: Digest
    /// The content's length in bytes, never negative.
    public var size: Int64
    /// Where else the content may be fetched (foreign layers).
    public var urls: [String]?
    /// Free-form annotations.
    public var annotations: [String: String]?
    /// The content embedded, base64, as written.
    public var data: String?
    /// The artifact type of the manifest described (referrers API).
    public var artifactType: MediaType?
    /// The platform (index entries).
    public var platform: Platform?

    /// A descriptor.
    public init(mediaType: MediaType, digest: Digest, size: Int64, urls: [String]? = nil,
                annotations: [String: String]? = nil, data: String? = nil,
                artifactType: MediaType? = nil, platform: Platform? = nil) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.urls = urls
        self.annotations = annotations
        self.data = data
        self.artifactType = artifactType
        self.platform = platform
    }
}
