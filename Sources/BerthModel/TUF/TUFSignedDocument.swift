/// A TUF metadata file as a repository publishes it: `{"signed": …, "signatures": [...]}`.
/// A signature signs the canonical JSON of `signed` (`signedBytes`), not the bytes as sent.
public struct TUFSignedDocument: Sendable, Hashable {
    /// One signature of the document.
    public struct Signature: Sendable, Hashable {
        /// The signing key's id (hex SHA-256 of its canonical form, `TUFKey.id`).
        public let keyID: String
        /// The signature method: `ecdsa` (raw r ‖ s over SHA-256), `eddsa`, `rsapss`.
        public let method: String
        /// The signature bytes (base64-decoded).
        public let signature: [UInt8]
    }

    /// The signed part, parsed.
    public let signed: JSONValue
    /// The canonical bytes of the signed part: what each signature signs.
    public let signedBytes: [UInt8]
    /// The signatures, in document order.
    public let signatures: [Signature]

    /// Reads a metadata file; refuses one without an object `signed`, a signature list, or
    /// signatures that are not `{keyid, method, sig}` with a base64 `sig`.
    public init(parsing bytes: some Collection<UInt8>) throws(TUFMetadataError) {
        let document = try JSONValue(parsing: bytes)
        guard let signed = document["signed"], signed.objectValue != nil else { throw .invalidField("signed: an object is required") }
        guard let list = document["signatures"]?.arrayValue else { throw .invalidField("signatures: a list is required") }
        var signatures: [Signature] = []
        for (position, entry) in list.enumerated() {
            guard let keyID = entry["keyid"]?.stringValue, let method = entry["method"]?.stringValue,
                  let encoded = entry["sig"]?.stringValue, let decoded = Base64.decode(encoded) else {
                throw .invalidField("signatures[\(position)]: keyid, method and a base64 sig are required")
            }
            signatures.append(Signature(keyID: keyID, method: method, signature: decoded))
        }
        self.signed = signed
        self.signedBytes = signed.canonicalBytes
        self.signatures = signatures
    }

    /// The role the signed part says it is (`_type`: `Root`, `Targets`, `Snapshot`, `Timestamp`).
    public var type: String? { signed["_type"]?.stringValue }
}

/// Standard base64 (RFC 4648, with padding), as TUF and Notary write keys, hashes and signatures.
enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let values: [UInt8: UInt8] = Dictionary(uniqueKeysWithValues: alphabet.enumerated().map { ($1, UInt8($0)) })

    /// The bytes of a padded base64 text, or nil for anything else.
    static func decode(_ text: String) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4 * 3)
        var index = 0
        while index < input.count {
            let quad = input[index..<(index + 4)]
            let padding = quad.reversed().prefix { $0 == UInt8(ascii: "=") }.count
            guard padding <= 2, index + 4 == input.count || padding == 0 else { return nil }
            var accumulator: UInt32 = 0
            for (offset, character) in quad.enumerated() {
                let value: UInt8
                if offset >= 4 - padding { value = 0 } else {
                    guard let decoded = values[character] else { return nil }
                    value = decoded
                }
                accumulator = accumulator << 6 | UInt32(value)
            }
            let bytes = [UInt8(accumulator >> 16 & 0xFF), UInt8(accumulator >> 8 & 0xFF), UInt8(accumulator & 0xFF)]
            out.append(contentsOf: bytes.prefix(3 - padding))
            index += 4
        }
        return out
    }
}
