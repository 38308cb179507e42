/// The top level of a pushed manifest as decoded, before the checks that need several fields.
///
/// Each field is decoded on its own and keeps its own outcome, so that
/// `Manifest(parsing:contentType:)` can report problems in the order that helps a client most
/// (schema version and media type before a bad layer) whatever order the JSON has.
struct ManifestDocument: Decodable {
    enum Key: String, CodingKey {
        case schemaVersion, mediaType, artifactType, config, layers, manifests, subject, annotations
    }

    /// One field's outcome: absent (or null), a value, or why it could not be decoded.
    enum Field<Value> {
        case absent
        case value(Value)
        case invalid(reason: String)

        init(_ key: Key, _ decode: () throws -> Value?) {
            do {
                self = try decode().map { .value($0) } ?? .absent
            } catch {
                self = .invalid(reason: ManifestProblem.reason(for: error, field: key.rawValue))
            }
        }

        /// The value, nil when absent.
        /// - Throws: `invalidManifest` when the field could not be decoded.
        func get() throws(ValidationError) -> Value? {
            switch self {
            case .absent: nil
            case .value(let value): value
            case .invalid(let reason): throw .invalidManifest(reason)
            }
        }
    }

    /// The top-level keys present with a value other than null (null says nothing either way).
    let valuedKeys: Set<Key>
    let schemaVersion: Field<Int64>
    let mediaType: Field<String>
    let artifactType: Field<String>
    let config: Field<Descriptor>
    let layers: Field<[Descriptor]>
    let manifests: Field<[Descriptor]>
    let subject: Field<Descriptor>
    let annotations: Field<[String: String]>

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        valuedKeys = Set(try container.allKeys.filter { try !container.decodeNil(forKey: $0) })
        schemaVersion = Field(.schemaVersion) { try container.decodeIfPresent(JSONInteger.self, forKey: .schemaVersion)?.value }
        mediaType = Field(.mediaType) { try container.decodeIfPresent(String.self, forKey: .mediaType) }
        artifactType = Field(.artifactType) { try container.decodeIfPresent(String.self, forKey: .artifactType) }
        config = Field(.config) { try container.decodeIfPresent(PushedDescriptor.self, forKey: .config)?.descriptor }
        layers = Field(.layers) { try container.decodeIfPresent([PushedDescriptor].self, forKey: .layers)?.map(\.descriptor) }
        manifests = Field(.manifests) { try container.decodeIfPresent([PushedDescriptor].self, forKey: .manifests)?.map(\.descriptor) }
        subject = Field(.subject) { try container.decodeIfPresent(PushedDescriptor.self, forKey: .subject)?.descriptor }
        annotations = Field(.annotations) { try container.decodeIfPresent([String: String].self, forKey: .annotations) }
    }
}
