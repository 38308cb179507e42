/// A media type (RFC 6838): `type/subtype`, optionally followed by `;name=value` parameters.
public struct MediaType: Sendable, Hashable, RawRepresentable, ExpressibleByStringLiteral, CustomStringConvertible, Codable {
    /// The media type as written.
    public let rawValue: String

    /// An unvalidated media type, for constants and trusted stored values.
    public init(rawValue: String) { self.rawValue = rawValue }

    public init(stringLiteral value: String) { self.rawValue = value }

    /// Validates `string`: `type` and `subtype` of 1–127 characters of `[A-Za-z0-9!#$&^_.+-]`,
    /// each starting with a letter or digit; parameters after `;` are allowed and not checked.
    public init(validating string: some StringProtocol) throws(ValidationError) {
        let text = String(string)
        let essence = text.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let trimmed = essence.trimmingSpaces
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw .invalidMediaType(text, reason: "expected type/subtype") }
        for part in parts {
            guard let first = part.utf8.first, (1...127).contains(part.utf8.count) else {
                throw .invalidMediaType(text, reason: "type and subtype must be 1 to 127 characters")
            }
            guard Self.isAlphanumeric(first), part.utf8.allSatisfy(Self.isRestrictedNameCharacter) else {
                throw .invalidMediaType(text, reason: "character outside RFC 6838's restricted names")
            }
        }
        self.rawValue = text
    }

    /// The lowercased `type/subtype`, without parameters or spaces: what comparisons use.
    public var essence: String {
        let head = rawValue.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return String(head.trimmingSpaces).lowercased()
    }

    public var description: String { rawValue }

    /// `application/vnd.oci.image.manifest.v1+json`
    public static let ociImageManifest: MediaType = "application/vnd.oci.image.manifest.v1+json"
    /// `application/vnd.oci.image.index.v1+json`
    public static let ociImageIndex: MediaType = "application/vnd.oci.image.index.v1+json"
    /// `application/vnd.docker.distribution.manifest.v2+json`
    public static let dockerManifest: MediaType = "application/vnd.docker.distribution.manifest.v2+json"
    /// `application/vnd.docker.distribution.manifest.list.v2+json`
    public static let dockerManifestList: MediaType = "application/vnd.docker.distribution.manifest.list.v2+json"
    /// `application/vnd.docker.distribution.manifest.v1+json` (schema 1, not accepted)
    public static let dockerManifestSchema1: MediaType = "application/vnd.docker.distribution.manifest.v1+json"
    /// `application/vnd.docker.distribution.manifest.v1+prettyjws` (signed schema 1, not accepted)
    public static let dockerManifestSchema1Signed: MediaType = "application/vnd.docker.distribution.manifest.v1+prettyjws"
    /// `application/vnd.oci.empty.v1+json`
    public static let ociEmpty: MediaType = "application/vnd.oci.empty.v1+json"
    /// `application/vnd.oci.image.config.v1+json`
    public static let ociImageConfig: MediaType = "application/vnd.oci.image.config.v1+json"
    /// `application/vnd.docker.container.image.v1+json`
    public static let dockerImageConfig: MediaType = "application/vnd.docker.container.image.v1+json"
    /// `application/vnd.docker.image.rootfs.foreign.diff.tar.gzip`
    public static let dockerForeignLayer: MediaType = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
    /// The OCI non-distributable layer types (deprecated, still met).
    public static let ociNondistributableLayers: [MediaType] = [
        "application/vnd.oci.image.layer.nondistributable.v1.tar",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    ]

    /// Whether this is one of the four manifest types the registry accepts.
    public var isManifest: Bool { ManifestKind(mediaType: self) != nil }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func isRestrictedNameCharacter(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || "!#$&^_.+-".utf8.contains(byte)
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" { result.removeLast() }
        return result
    }
}
