/// A descriptor inside a pushed manifest, validated while it is decoded.
///
/// Stricter than `Descriptor`'s own decoding: `mediaType` and `artifactType` must be valid media
/// types, `digest` a valid sha256/sha512 digest, `size` an integer from 0 to `Int64.max`. Every
/// problem is a `ManifestProblem` naming the field, e.g. `layers[2].digest`.
struct PushedDescriptor: Decodable, Sendable {
    /// The validated descriptor.
    let descriptor: Descriptor

    init(from decoder: any Decoder) throws {
        typealias Key = Descriptor.CodingKeys
        let container = try decoder.container(keyedBy: Key.self)
        func problem(_ key: Key, _ reason: String) -> ManifestProblem { ManifestProblem(container.codingPath + [key], reason) }

        guard let mediaTypeText = try container.decodeIfPresent(String.self, forKey: .mediaType) else { throw problem(.mediaType, "missing") }
        let mediaType: MediaType
        do throws(ValidationError) { mediaType = try MediaType(validating: mediaTypeText) } catch { throw problem(.mediaType, error.description) }

        guard let digestText = try container.decodeIfPresent(String.self, forKey: .digest) else { throw problem(.digest, "missing") }
        let digest: Digest
        do throws(ValidationError) { digest = try Digest(parsing: digestText) } catch { throw problem(.digest, error.description) }

        guard let size = try container.decodeIfPresent(JSONInteger.self, forKey: .size)?.value else { throw problem(.size, "missing") }
        guard size >= 0 else { throw problem(.size, "must not be negative, got \(size)") }

        let artifactType = try container.decodeIfPresent(String.self, forKey: .artifactType).map { text in
            do throws(ValidationError) { return try MediaType(validating: text) } catch { throw problem(.artifactType, error.description) }
        }
        descriptor = Descriptor(
            mediaType: mediaType, digest: digest, size: size,
            urls: try container.decodeIfPresent([String].self, forKey: .urls),
            annotations: try container.decodeIfPresent([String: String].self, forKey: .annotations),
            data: try container.decodeIfPresent(String.self, forKey: .data),
            artifactType: artifactType,
            platform: try container.decodeIfPresent(Platform.self, forKey: .platform))
    }
}
