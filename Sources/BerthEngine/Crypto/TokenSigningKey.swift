import CCrypto
import Foundation

/// The ECDSA P-256 key that signs registry tokens (ES256), through libcrypto.
///
/// Generated once and kept as PEM in the data root (readable by its owner only). The EVP key
/// never leaves this type.
public final class TokenSigningKey: @unchecked Sendable {
    // @unchecked: the EVP_PKEY is only read after init (signing and verifying use a fresh
    // context per call), which libcrypto allows from several threads.
    private let key: OpaquePointer
    /// The public half, PEM.
    public let publicKeyPEM: String
    /// A short id of the public key (first 16 hex digits of its SHA-256), sent as `kid`.
    public let keyID: String

    /// A key from PEM (`-----BEGIN PRIVATE KEY-----` or `EC PRIVATE KEY`).
    public init(privateKeyPEM: String) throws(TokenKeyError) {
        let bytes = Array(privateKeyPEM.utf8)
        let parsed: OpaquePointer? = bytes.withUnsafeBufferPointer { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let parsed else { throw .invalid("not a PEM private key") }
        key = parsed
        guard let publicPEM = Self.pem({ bio in PEM_write_bio_PUBKEY(bio, parsed) }) else {
            EVP_PKEY_free(parsed)
            throw .invalid("cannot export the public key")
        }
        publicKeyPEM = publicPEM
        keyID = (try? ContentHasher.digest(of: Array(publicPEM.utf8)).encoded.prefix(16)).map(String.init) ?? "berth"
    }

    deinit { EVP_PKEY_free(key) }

    /// A new P-256 key, as PEM (PKCS#8).
    public static func generatePEM() throws(TokenKeyError) -> String {
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nil) else { throw .invalid("EVP_PKEY_CTX_new_id failed") }
        defer { EVP_PKEY_CTX_free(context) }
        var generated: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1,
              EVP_PKEY_CTX_set_ec_paramgen_curve_nid(context, NID_X9_62_prime256v1) == 1,
              EVP_PKEY_keygen(context, &generated) == 1, let generated else { throw .invalid("key generation failed") }
        defer { EVP_PKEY_free(generated) }
        guard let pem = pem({ bio in PEM_write_bio_PrivateKey(bio, generated, nil, nil, 0, nil, nil) }) else {
            throw .invalid("cannot export the new key")
        }
        return pem
    }

    /// ES256 signature of `message` in JOSE's raw `r ‖ s` form (64 bytes).
    public func sign(_ message: [UInt8]) throws(TokenKeyError) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw .invalid("EVP_MD_CTX_new failed") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key) == 1 else { throw .invalid("EVP_DigestSignInit failed") }
        var length = 0
        guard message.withUnsafeBufferPointer({ EVP_DigestSign(context, nil, &length, $0.baseAddress, $0.count) }) == 1 else {
            throw .invalid("EVP_DigestSign failed")
        }
        var der = [UInt8](repeating: 0, count: length)
        let signed = der.withUnsafeMutableBufferPointer { out in
            message.withUnsafeBufferPointer { EVP_DigestSign(context, out.baseAddress, &length, $0.baseAddress, $0.count) }
        }
        guard signed == 1 else { throw .invalid("EVP_DigestSign failed") }
        der.removeSubrange(length...)
        guard let raw = SignatureVerifier.rawFromDERECDSA(der) else { throw .invalid("unexpected signature encoding") }
        return raw
    }

    /// Whether `signature` (raw `r ‖ s`) signs `message` under this key. Uses the key held
    /// since init: every bearer request verifies a token, and parsing PEM each time cost more
    /// than the verification.
    public func verify(_ signature: [UInt8], message: [UInt8]) -> Bool {
        guard let der = SignatureVerifier.derFromRawECDSA(signature) else { return false }
        return SignatureVerifier.verify(signature: der, message: message, key: key)
    }

    private static func pem(_ write: (OpaquePointer) -> Int32) -> String? {
        guard let bio = BIO_new(BIO_s_mem()) else { return nil }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { return nil }
        var pointer: UnsafeMutablePointer<CChar>?
        let length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &pointer)
        guard length > 0, let pointer else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }
}

/// Why a token key could not be made, read or used.
public enum TokenKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self {
        case .invalid(let reason): "token key: \(reason)"
        }
    }
}
