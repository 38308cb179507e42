/// A content descriptor (OCI image spec): what a manifest says about a piece of content.
///
/// Encodes with the spec's key names and omits absent fields. Decoding (of stored, trusted
/// JSON) checks the digest and that the size is not negative; manifests as pushed are
/// validated more strictly by `Manifest(parsing:contentType:)`.
public struct Descriptor: Sendable, Hashable, Codable {
    /// The content's media type.
    public var mediaType: MediaType
    /// The content's digest.
    public var digest: Digest
    /// The content's length in bytes; never negative in a parsed or decoded descriptor.
    public var size: Int64
    /// Where else the content may be fetched (foreign and non-distributable layers).
    public var urls: [String]?
    /// Free-form annotations.
    public var annotations: [String: String]?
    /// The content embedded, base64, as written.
    public var data: String?
    /// The artifact type of the manifest described (referrers API).
    public var artifactType: MediaType?
    /// The platform the described manifest runs on (index entries).
    public var platform: Platform?

    /// A descriptor from its fields, unchecked.
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

    enum CodingKeys: String, CodingKey {
        case mediaType, digest, size, urls, annotations, data, artifactType, platform
    }

    /// Decodes a descriptor; a negative size or an invalid digest is a `DecodingError`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mediaType = try container.decode(MediaType.self, forKey: .mediaType)
        digest = try container.decode(Digest.self, forKey: .digest)
        size = try container.decode(Int64.self, forKey: .size)
        guard size >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .size, in: container, debugDescription: "size must not be negative")
        }
        urls = try container.decodeIfPresent([String].self, forKey: .urls)
        annotations = try container.decodeIfPresent([String: String].self, forKey: .annotations)
        data = try container.decodeIfPresent(String.self, forKey: .data)
        artifactType = try container.decodeIfPresent(MediaType.self, forKey: .artifactType)
        platform = try container.decodeIfPresent(Platform.self, forKey: .platform)
    }

    /// Encodes the spec's keys, leaving out absent fields.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(mediaType, forKey: .mediaType)
        try container.encode(digest, forKey: .digest)
        try container.encode(size, forKey: .size)
        try container.encodeIfPresent(urls, forKey: .urls)
        try container.encodeIfPresent(annotations, forKey: .annotations)
        try container.encodeIfPresent(data, forKey: .data)
        try container.encodeIfPresent(artifactType, forKey: .artifactType)
        try container.encodeIfPresent(platform, forKey: .platform)
    }
}
