/// A public key as TUF metadata lists it: `{"keytype": …, "keyval": {"private": null, "public": base64}}`.
/// Notary's types: `ecdsa` (a DER SubjectPublicKeyInfo), `ecdsa-x509` (a PEM certificate, the
/// root's), `ed25519` (32 raw bytes), `rsa` and `rsa-x509`.
public struct TUFKey: Sendable, Hashable {
    /// The key type.
    public let type: String
    /// The public part, base64-decoded.
    public let publicBytes: [UInt8]
    /// The public part as written (base64), which the key's id is computed from.
    public let publicBase64: String

    /// A key from its metadata entry.
    public init(_ value: JSONValue) throws(TUFMetadataError) {
        guard let type = value["keytype"]?.stringValue, let encoded = value["keyval"]?["public"]?.stringValue,
              let decoded = Base64.decode(encoded) else {
            throw .invalidField("a key needs keytype and keyval.public (base64)")
        }
        self.type = type
        self.publicBase64 = encoded
        self.publicBytes = decoded
    }

    /// What the key's id is the SHA-256 (hex) of: the canonical JSON of the key with its
    /// private part null, as Notary computes it.
    public var identityBytes: [UInt8] {
        JSONValue.object(["keytype": .string(type), "keyval": .object(["private": .null, "public": .string(publicBase64)])]).canonicalBytes
    }
}
