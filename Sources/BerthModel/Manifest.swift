import Foundation

/// A parsed and validated manifest of one of the four accepted kinds. The registry stores and
/// serves the original bytes; this value is what it learns from them.
public struct Manifest: Sendable, Hashable {
    /// The largest manifest accepted, as the distribution spec recommends (4 MiB).
    public static let maximumSize = 4 * 1024 * 1024

    /// The manifest's kind.
    public let kind: ManifestKind
    /// The kind's media type.
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
    /// The manifest's annotations.
    public let annotations: [String: String]

    /// The artifact type as the referrers API reports it: the declared artifactType, else, for
    /// an image manifest, `config.mediaType`; nil for an index without one.
    public var artifactType: MediaType? {
        if let declaredArtifactType { return declaredArtifactType }
        return kind.isIndex ? nil : config?.mediaType
    }

    /// Blobs the registry must hold before accepting this manifest: config and layers, minus
    /// foreign or non-distributable layers that carry `urls` (clients never push those).
    public var requiredBlobs: [Descriptor] {
        let foreign = Set([MediaType.dockerForeignLayer.rawValue] + MediaType.ociNondistributableLayers.map(\.rawValue))
        let pushed = layers.filter { layer in !(foreign.contains(layer.mediaType.essence) && !(layer.urls ?? []).isEmpty) }
        return (config.map { [$0] } ?? []) + pushed
    }

    /// Child manifests an index names (its `manifests` array).
    public var childManifests: [Descriptor] { manifests }

    /// Parses and validates a manifest exactly as pushed.
    /// - Parameter contentType: the request's `Content-Type`, if any (parameters are ignored).
    public init(parsing bytes: some Collection<UInt8>, contentType: String?) throws(ValidationError) {
        guard bytes.count <= Self.maximumSize else {
            throw .manifestTooLarge(size: bytes.count, limit: Self.maximumSize)
        }
        let raw: RawManifest
        do {
            raw = try JSONDecoder().decode(RawManifest.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw .invalidManifest(Self.reason(error))
        } catch {
            throw .invalidManifest("not valid JSON")
        }

        guard let schemaVersion = raw.schemaVersion else { throw .invalidManifest("schemaVersion is missing") }
        if schemaVersion == 1 { throw .unsupportedMediaType(MediaType.dockerManifestSchema1.rawValue) }
        guard schemaVersion == 2 else { throw .invalidManifest("schemaVersion must be 2, got \(schemaVersion)") }

        let declared = try raw.mediaType.map { value throws(ValidationError) in try MediaType(validating: value) }
        let header: MediaType? = contentType.flatMap { $0.isEmpty ? nil : MediaType(rawValue: $0) }
        if let declared, let header, declared.essence != header.essence {
            throw .invalidManifest("mediaType \(declared.rawValue) does not match Content-Type \(header.rawValue)")
        }
        let kind: ManifestKind
        if let type = declared ?? header {
            if type.essence == MediaType.dockerManifestSchema1.rawValue || type.essence == MediaType.dockerManifestSchema1Signed.rawValue {
                throw .unsupportedMediaType(type.rawValue)
            }
            guard let known = ManifestKind(mediaType: type) else { throw .unsupportedMediaType(type.rawValue) }
            kind = known
        } else if raw.manifests != nil {
            kind = .ociImageIndex
        } else if raw.config != nil {
            kind = .ociImageManifest
        } else {
            throw .invalidManifest("no mediaType, and neither manifests nor config to tell the kind")
        }
        self.kind = kind

        if kind.isIndex {
            guard raw.config == nil, raw.layers == nil else { throw .invalidManifest("an index has no config or layers") }
            guard let manifests = raw.manifests else { throw .invalidManifest("manifests is missing") }
            self.manifests = try manifests.enumerated().map { index, entry throws(ValidationError) in
                try entry.validated("manifests[\(index)]")
            }
            self.config = nil
            self.layers = []
        } else {
            guard raw.manifests == nil else { throw .invalidManifest("an image manifest has no manifests array") }
            guard let config = raw.config else { throw .invalidManifest("config is missing") }
            guard let layers = raw.layers else { throw .invalidManifest("layers is missing") }
            self.config = try config.validated("config")
            self.layers = try layers.enumerated().map { index, entry throws(ValidationError) in
                try entry.validated("layers[\(index)]")
            }
            self.manifests = []
        }
        if kind.isOCI {
            self.subject = try raw.subject.map { value throws(ValidationError) in try value.validated("subject") }
            self.declaredArtifactType = try raw.artifactType.map { value throws(ValidationError) in
                do throws(ValidationError) { return try MediaType(validating: value) } catch {
                    throw .invalidManifest("artifactType: \(error.description)")
                }
            }
        } else {
            self.subject = nil
            self.declaredArtifactType = nil
        }
        self.annotations = raw.annotations ?? [:]
    }

    /// A decoding failure as a path and a reason, e.g. `layers[1].size: expected an integer`.
    private static func reason(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return text.isEmpty ? "document" : text
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(Self.describe(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(Self.describe(type))"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "not a valid manifest"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int64.Type: "an integer"
        case is String.Type: "a string"
        case is [String: String].Type: "an object of strings"
        default: type == RawManifest.self ? "a JSON object" : "a value of type \(type)"
        }
    }
}

/// The manifest's JSON as decoded, before validation.
private struct RawManifest: Decodable {
    let schemaVersion: Int?
    let mediaType: String?
    let artifactType: String?
    let config: RawDescriptor?
    let layers: [RawDescriptor]?
    let manifests: [RawDescriptor]?
    let subject: RawDescriptor?
    let annotations: [String: String]?
}

/// A descriptor's JSON as decoded, before validation.
private struct RawDescriptor: Decodable {
    let mediaType: String?
    let digest: String?
    let size: Int64?
    let urls: [String]?
    let annotations: [String: String]?
    let data: String?
    let artifactType: String?
    let platform: Platform?

    func validated(_ path: String) throws(ValidationError) -> Descriptor {
        guard let mediaTypeText = mediaType else { throw .invalidManifest("\(path).mediaType: missing") }
        guard let digestText = digest else { throw .invalidManifest("\(path).digest: missing") }
        guard let size else { throw .invalidManifest("\(path).size: missing") }
        guard size >= 0 else { throw .invalidManifest("\(path).size: must not be negative") }
        let mediaType: MediaType
        let digest: Digest
        do throws(ValidationError) { mediaType = try MediaType(validating: mediaTypeText) } catch { throw .invalidManifest("\(path).mediaType: \(error.description)") }
        do throws(ValidationError) { digest = try Digest(parsing: digestText) } catch { throw .invalidManifest("\(path).digest: \(error.description)") }
        let artifactType: MediaType?
        do throws(ValidationError) { artifactType = try self.artifactType.map { value throws(ValidationError) in try MediaType(validating: value) } } catch {
            throw .invalidManifest("\(path).artifactType: \(error.description)")
        }
        return Descriptor(mediaType: mediaType, digest: digest, size: size, urls: urls, annotations: annotations,
                          data: data, artifactType: artifactType, platform: platform)
    }
}
