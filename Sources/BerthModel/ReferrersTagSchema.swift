/// The referrers tag schema of the distribution spec (v1.1, "Unavailable Referrers API"): a
/// registry without the referrers API holds the referrers of a subject as an image index
/// (`ReferrersIndex`) under the tag `<alg>-<ref>`, which whoever pushes or deletes a referrer
/// keeps up to date. Berth maintains it when it replicates to such a registry, and reads it
/// when it pulls from one.
///
/// Not to be confused with cosign's tag scheme (`sha256-<hex>.sig`, `.att`, `.sbom`: a
/// signature *manifest* under a tag, `AccessoryClassifier.tagSchemeSubject`): the referrers tag
/// has no suffix and names an index.
public enum ReferrersTagSchema {
    /// The spec's limit on `<ref>`.
    static let referenceLimit = 64

    /// The tag holding `subject`'s referrers: its algorithm, `-`, its encoded digest cut to
    /// 64 characters (a SHA-256 digest whole).
    public static func tag(for subject: Digest) -> Tag {
        // Always a valid tag: an algorithm name, a dash and at most 64 hex digits (≤ 71 of the
        // 128 characters a tag may have, none outside [a-z0-9-]).
        Tag(builtFrom: "\(subject.algorithm.rawValue)-\(subject.encoded.prefix(referenceLimit))")
    }

    /// The subject a referrers tag names, for the digests it names whole (SHA-256); nil for
    /// any other tag, cosign's tag-scheme tags among them.
    public static func subject(of tag: Tag) -> Digest? {
        let value = tag.value
        guard let dash = value.firstIndex(of: "-"),
              let algorithm = DigestAlgorithm(rawValue: String(value[..<dash])) else { return nil }
        let encoded = String(value[value.index(after: dash)...])
        guard encoded.count <= referenceLimit, let digest = try? Digest(algorithm: algorithm, encoded: encoded) else { return nil }
        return digest
    }

    /// `index` (nil: none yet, as a 404 of the tag means) with `referrer` in it: appended, or
    /// in place of an entry of the same digest (the spec: no duplicate entries).
    public static func adding(_ referrer: Descriptor, to index: ReferrersIndex?) -> ReferrersIndex {
        var manifests = index?.manifests ?? []
        if let position = manifests.firstIndex(where: { $0.digest == referrer.digest }) {
            manifests[position] = referrer
        } else {
            manifests.append(referrer)
        }
        return ReferrersIndex(manifests: manifests)
    }

    /// `index` without the entry of `digest` (unchanged when it has none).
    public static func removing(_ digest: Digest, from index: ReferrersIndex) -> ReferrersIndex {
        ReferrersIndex(manifests: index.manifests.filter { $0.digest != digest })
    }

    /// The referrers index a tag-schema pull returned; `.invalidManifest` when the document is
    /// anything but an image index (the spec: the client should then report a failure and
    /// leave the tag alone).
    public static func index(parsing bytes: some Collection<UInt8>, contentType: String?) throws(ValidationError) -> ReferrersIndex {
        let manifest = try Manifest(parsing: bytes, contentType: contentType)
        guard manifest.kind == .ociImageIndex else {
            throw .invalidManifest("the referrers tag holds a \(manifest.mediaType.rawValue), not an OCI image index")
        }
        return ReferrersIndex(manifests: manifest.manifests)
    }
}
