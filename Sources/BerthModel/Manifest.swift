import Foundation

/// A parsed and validated manifest of one of the four accepted kinds. The registry stores and
/// serves the original bytes; this value is what it learns from them.
///
/// A value guarantees: image manifests have a config (and `manifests` is empty), indexes have no
/// config and no layers, every descriptor has a valid media type, a sha256/sha512 digest and a
/// size from 0 to `Int64.max`, and `subject`/`declaredArtifactType` are set only for OCI kinds.
public struct Manifest: Sendable, Hashable {
    /// The largest manifest accepted, as the distribution spec recommends (4 MiB).
    public static let maximumSize = 4 * 1024 * 1024

    /// The manifest's kind.
    public let kind: ManifestKind
    /// The kind's media type (canonical spelling, without parameters).
    public var mediaType: MediaType { kind.mediaType }
    /// The config descriptor (image manifests only).
    public let config: Descriptor?
    /// The layer descriptors (image manifests only; empty for indexes).
    public let layers: [Descriptor]
    /// The manifest descriptors (indexes only; empty for image manifests).
    public let manifests: [Descriptor]
    /// The manifest this one refers to (OCI kinds only).
    public let subject: Descriptor?
    /// The `artifactType` field as written (OCI kinds only).
    public let declaredArtifactType: MediaType?
    /// The manifest's annotations (empty when it has none).
    public let annotations: [String: String]

    /// The artifact type as the distribution spec's referrers API reports it: the declared
    /// artifactType, else, for an image manifest, `config.mediaType`; nil for an index without one.
    public var artifactType: MediaType? {
        if let declaredArtifactType { return declaredArtifactType }
        return kind.isIndex ? nil : config?.mediaType
    }

    /// This manifest's entry in its subject's referrers list, stored as `digest` of `size`
    /// bytes: its media type, `artifactType` (as above) and all its annotations, as the
    /// distribution spec fills both the referrers API's answer and the referrers tag schema.
    public func referrerDescriptor(digest: Digest, size: Int64) -> Descriptor {
        Descriptor(mediaType: mediaType, digest: digest, size: size,
                   annotations: annotations.isEmpty ? nil : annotations, artifactType: artifactType)
    }

    /// Blobs the registry must hold before accepting this manifest: config and layers, in that
    /// order, minus non-distributable/foreign layers that carry `urls` (clients never push those).
    public var requiredBlobs: [Descriptor] {
        let pushed = layers.filter { layer in !(layer.mediaType.isNondistributable && !(layer.urls ?? []).isEmpty) }
        return (config.map { [$0] } ?? []) + pushed
    }

    /// Child manifests an index names (its `manifests` array).
    public var childManifests: [Descriptor] { manifests }

    /// Whether a container runtime could run it: an image config (OCI's or Docker's) and at
    /// least one filesystem layer (`MediaType.isImageLayer`). Artifacts are not: signatures,
    /// attestations and SBOMs carry no filesystem layer, and artifacts pushed the OCI 1.1 way
    /// (oras) have the empty config whatever their layers' types.
    public var isRunnableImage: Bool {
        guard let config, config.mediaType.essence == MediaType.ociImageConfig.rawValue
            || config.mediaType.essence == MediaType.dockerImageConfig.rawValue else { return false }
        return layers.contains { $0.mediaType.isImageLayer }
    }

    /// Parses and validates a manifest exactly as pushed.
    ///
    /// Checked in this order, so a client learns the most useful problem first: the size, that
    /// the bytes are one strictly valid JSON object (RFC 8259, UTF-8, no duplicate keys, at most
    /// 128 levels deep), Docker schema 1 (refused as unsupported), `schemaVersion` 2,
    /// the media type (the body's `mediaType` must agree with `contentType` when both are
    /// given; the kind comes from the body, else the header, else the shape), then the fields
    /// of that kind.
    /// - Parameter contentType: the request's `Content-Type`, if any; parameters are ignored and
    ///   an empty or blank one counts as absent.
    /// - Throws: `manifestTooLarge`, `unsupportedMediaType` for schema 1 and any type that is not
    ///   one of the four kinds, else `invalidManifest` with a path-like reason such as
    ///   `layers[2].digest: …`. Never anything else, and never traps.
    public init(parsing bytes: some Collection<UInt8>, contentType: String?) throws(ValidationError) {
        let count = bytes.count
        guard count <= Self.maximumSize else { throw .manifestTooLarge(size: count, limit: Self.maximumSize) }
        let json = Array(bytes)
        // JSONDecoder alone would accept invalid JSON in fields it is not asked for (see JSONSyntax).
        let findings: JSONSyntax.Findings
        switch JSONSyntax.check(json) {
        case .success(let found): findings = found
        case .failure(let failure): throw .invalidManifest(failure.reason)
        }
        let document: ManifestDocument
        do {
            let decoder = JSONDecoder()
            decoder.userInfo[JSONInteger.fractionalNumbersKey] = findings.fractionalNumbers
            document = try decoder.decode(ManifestDocument.self, from: Data(json))
        } catch {
            throw .invalidManifest(ManifestProblem.reason(for: error))
        }

        let header = contentType.flatMap { $0.utf8.contains { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") } ? MediaType(rawValue: $0) : nil }
        try Self.refuseSchema1(document, header: header)
        guard let schemaVersion = try document.schemaVersion.get() else { throw .invalidManifest("schemaVersion: missing") }
        guard schemaVersion == 2 else { throw .invalidManifest("schemaVersion: must be 2, got \(schemaVersion)") }

        let declared = try document.mediaType.get().map { text throws(ValidationError) in
            do throws(ValidationError) { return try MediaType(validating: text) } catch { throw .invalidManifest("mediaType: \(error.description)") }
        }
        if let declared, let header, declared.essence != header.essence {
            throw .invalidManifest("mediaType \(ValidationError.quote(declared.rawValue)) does not match Content-Type \(ValidationError.quote(header.rawValue))")
        }
        let kind = try Self.kind(declared: declared ?? header, document)
        self.kind = kind

        // A field of the other kind is refused (CVE-2021-41190: a document both an index and an
        // image manifest would be read differently by different clients), unless it is null:
        // Go clients send unset slices as null, and null says nothing either way.
        if kind.isIndex {
            for key in [ManifestDocument.Key.config, .layers] where document.valuedKeys.contains(key) {
                throw .invalidManifest("\(key.rawValue): not allowed in an index")
            }
            guard let manifests = try document.manifests.get() else { throw .invalidManifest("manifests: missing") }
            self.config = nil
            self.layers = []
            self.manifests = manifests
        } else {
            if document.valuedKeys.contains(.manifests) { throw .invalidManifest("manifests: not allowed in an image manifest") }
            guard let config = try document.config.get() else { throw .invalidManifest("config: missing") }
            self.config = config
            // The image spec requires `config` but not `layers` (it SHOULD have one entry, for
            // portability): absent or null is none, as the Go reference types send an unset one.
            self.layers = try document.layers.get() ?? []
            self.manifests = []
        }

        // Docker schema 2 defines neither field: there they are unknown fields, ignored like any other.
        if kind.isOCI {
            self.subject = try document.subject.get()
            self.declaredArtifactType = try document.artifactType.get().map { text throws(ValidationError) in
                do throws(ValidationError) { return try MediaType(validating: text) } catch { throw .invalidManifest("artifactType: \(error.description)") }
            }
        } else {
            self.subject = nil
            self.declaredArtifactType = nil
        }
        self.annotations = try document.annotations.get() ?? [:]
    }

    /// Refuses Docker schema 1, however it shows: Content-Type, body `mediaType` or `schemaVersion` 1.
    private static func refuseSchema1(_ document: ManifestDocument, header: MediaType?) throws(ValidationError) {
        if let header, header.isDockerSchema1 { throw .unsupportedMediaType(header.rawValue) }
        if case .value(let text) = document.mediaType, MediaType(rawValue: text).isDockerSchema1 { throw .unsupportedMediaType(text) }
        if case .value(1) = document.schemaVersion { throw .unsupportedMediaType(MediaType.dockerManifestSchema1.rawValue) }
    }

    /// The kind a media type names or, without one, the shape implies.
    private static func kind(declared type: MediaType?, _ document: ManifestDocument) throws(ValidationError) -> ManifestKind {
        if let type {
            guard let kind = ManifestKind(mediaType: type) else { throw .unsupportedMediaType(type.rawValue) }
            return kind
        }
        // The image spec's guidance for a manifest without mediaType: a manifests array makes an index.
        if document.valuedKeys.contains(.manifests) { return .ociImageIndex }
        if document.valuedKeys.contains(.config) { return .ociImageManifest }
        throw .invalidManifest("mediaType: missing, and neither manifests nor config tells the kind")
    }
}
