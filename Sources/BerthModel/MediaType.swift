/// A media type (RFC 6838): `type/subtype`, optionally followed by `;name=value` parameters.
///
/// A value made with `init(validating:)` is guaranteed to follow the grammar; one made with
/// `init(rawValue:)` or a string literal is trusted as given. Comparisons that matter (manifest
/// kinds, foreign layers, Content-Type agreement) go through `essence`, which is
/// case-insensitive and ignores parameters, as RFC 9110 says media types compare.
public struct MediaType: Sendable, Hashable, RawRepresentable, ExpressibleByStringLiteral, CustomStringConvertible, Codable {
    /// The media type exactly as written.
    public let rawValue: String

    /// An unvalidated media type, for constants and trusted stored values.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// An unvalidated media type from a literal, for constants.
    public init(stringLiteral value: String) { self.rawValue = value }

    /// The longest `type` or `subtype` RFC 6838 allows.
    public static let maximumNameLength = 127
    /// The longest whole media type, parameters included: the index keys media types, and
    /// this keeps every key well under LMDB's 511 bytes.
    public static let maximumLength = 255

    /// Validates `string` and keeps it as written.
    ///
    /// `type "/" subtype`, each 1–127 characters of `[A-Za-z0-9!#$&^_.+-]` starting with a
    /// letter or digit (RFC 6838 restricted names), then any number of RFC 9110 parameters:
    /// `OWS ";" OWS [token "=" (token / quoted-string)]`. Nothing else, not even a leading or
    /// trailing space, is accepted.
    /// - Throws: `ValidationError.invalidMediaType` naming the first problem.
    public init(validating string: some StringProtocol) throws(ValidationError) {
        let text = String(string)
        guard text.utf8.count <= Self.maximumLength else {
            throw .invalidMediaType(text, reason: "longer than \(Self.maximumLength) bytes")
        }
        if let reason = Self.problem(in: Array(text.utf8)) { throw .invalidMediaType(text, reason: reason) }
        self.rawValue = text
    }

    /// The `type/subtype` part without parameters or surrounding spaces and tabs, lowercased
    /// (ASCII only, so no non-ASCII letter can fold into a known type): what comparisons use.
    public var essence: String {
        let bytes = rawValue.utf8
        let head = bytes.prefix { $0 != UInt8(ascii: ";") }
        let trimmed = head.drop { Self.isWhitespace($0) }.reversed().drop { Self.isWhitespace($0) }.reversed()
        return String(decoding: trimmed.map(Self.asciiLowercased), as: UTF8.self)
    }

    /// The media type as written.
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
    /// The three OCI non-distributable layer types (deprecated by the image spec, still met):
    /// `application/vnd.oci.image.layer.nondistributable.v1.tar`, `…+gzip` and `…+zstd`.
    public static let ociNondistributableLayers: [MediaType] = [
        "application/vnd.oci.image.layer.nondistributable.v1.tar",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    ]

    /// Whether the essence is one of the four manifest types the registry accepts.
    public var isManifest: Bool { ManifestKind(mediaType: self) != nil }

    /// Whether the essence is schema 1 of the Docker manifest, signed or not (never accepted).
    public var isDockerSchema1: Bool {
        let essence = essence
        return essence == Self.dockerManifestSchema1.rawValue || essence == Self.dockerManifestSchema1Signed.rawValue
    }

    /// Whether layers of this type may live outside the registry (Docker foreign layers and the
    /// OCI non-distributable types), so that a layer carrying `urls` is never pushed.
    public var isNondistributable: Bool {
        let essence = essence
        return essence == Self.dockerForeignLayer.rawValue || Self.ociNondistributableLayers.contains { $0.rawValue == essence }
    }

    /// Whether the essence is a container filesystem layer, what a runtime unpacks and runs:
    /// the OCI layer types (`application/vnd.oci.image.layer.v1.tar`, `+gzip`, `+zstd`, and the
    /// non-distributable ones) and Docker's (`application/vnd.docker.image.rootfs.diff.tar.gzip`,
    /// `…diff.tar.zstd`, the foreign type). Signatures, attestations and SBOMs carry none.
    public var isImageLayer: Bool {
        let essence = essence
        return essence.hasPrefix("application/vnd.oci.image.layer.")
            || essence.hasPrefix("application/vnd.docker.image.rootfs.")
    }

    // MARK: Grammar

    /// Why `bytes` is not a media type, or nil when it is one.
    private static func problem(in bytes: [UInt8]) -> String? {
        guard !bytes.isEmpty else { return "empty" }
        var index = 0
        if let reason = scanRestrictedName(bytes, &index, part: "type") { return reason }
        guard index < bytes.count else { return "expected type/subtype" }
        guard bytes[index] == UInt8(ascii: "/") else { return "unexpected \(describe(bytes[index])) in the type" }
        index += 1
        if let reason = scanRestrictedName(bytes, &index, part: "subtype") { return reason }
        while index < bytes.count {
            while index < bytes.count, isWhitespace(bytes[index]) { index += 1 }
            guard index < bytes.count else { return "trailing whitespace" }
            guard bytes[index] == UInt8(ascii: ";") else {
                return "unexpected \(describe(bytes[index])) after the subtype (parameters start with ';')"
            }
            index += 1
            while index < bytes.count, isWhitespace(bytes[index]) { index += 1 }
            // RFC 9110 allows an empty parameter (`text/plain;`).
            guard index < bytes.count, bytes[index] != UInt8(ascii: ";") else { continue }
            if let reason = scanParameter(bytes, &index) { return reason }
        }
        return nil
    }

    /// Scans an RFC 6838 restricted name at `index`, leaving `index` after it.
    private static func scanRestrictedName(_ bytes: [UInt8], _ index: inout Int, part: String) -> String? {
        let start = index
        guard index < bytes.count, isAlphanumeric(bytes[index]) else {
            guard index < bytes.count, bytes[index] != UInt8(ascii: "/"), bytes[index] != UInt8(ascii: ";") else { return "\(part) is empty" }
            return isRestrictedNameCharacter(bytes[index])
                ? "\(part) must start with a letter or digit" : "\(part) starts with \(describe(bytes[index]))"
        }
        while index < bytes.count, isRestrictedNameCharacter(bytes[index]) { index += 1 }
        guard index - start <= maximumNameLength else { return "\(part) is longer than \(maximumNameLength) characters" }
        return nil
    }

    /// Scans `token "=" (token / quoted-string)` at `index`, leaving `index` after it.
    private static func scanParameter(_ bytes: [UInt8], _ index: inout Int) -> String? {
        let nameStart = index
        while index < bytes.count, isTokenCharacter(bytes[index]) { index += 1 }
        guard index > nameStart else { return "parameter name starts with \(describe(bytes[index]))" }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { return "parameter without '=value'" }
        index += 1
        guard index < bytes.count else { return "parameter without a value" }
        if bytes[index] == UInt8(ascii: "\"") {
            index += 1
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return nil
                }
                if byte == UInt8(ascii: "\\") {
                    index += 1
                    guard index < bytes.count, isQuotedPairCharacter(bytes[index]) else { return "bad escape in a quoted parameter value" }
                } else if !isQuotedTextCharacter(byte) {
                    return "\(describe(byte)) in a quoted parameter value"
                }
                index += 1
            }
            return "unterminated quoted parameter value"
        }
        let valueStart = index
        while index < bytes.count, isTokenCharacter(bytes[index]) { index += 1 }
        guard index > valueStart else { return "parameter value starts with \(describe(bytes[index]))" }
        return nil
    }

    // MARK: Character classes (RFC 6838 §4.2, RFC 9110 §5.6)

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func isRestrictedNameCharacter(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || "!#$&^_.+-".utf8.contains(byte)
    }

    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }

    /// qdtext: HTAB, SP, visible ASCII but `"` and `\`, and obs-text.
    private static func isQuotedTextCharacter(_ byte: UInt8) -> Bool {
        isWhitespace(byte) || byte == 0x21 || (0x23...0x5B).contains(byte) || (0x5D...0x7E).contains(byte) || byte >= 0x80
    }

    /// What may follow `\` in a quoted-string: HTAB, SP, visible ASCII and obs-text.
    private static func isQuotedPairCharacter(_ byte: UInt8) -> Bool {
        isWhitespace(byte) || (0x21...0x7E).contains(byte) || byte >= 0x80
    }

    private static func asciiLowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }

    /// A byte for a message: printable ASCII quoted, anything else as hex.
    private static func describe(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }
}
