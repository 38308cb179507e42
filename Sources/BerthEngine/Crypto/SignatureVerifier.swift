import CCrypto

/// Verifies signatures with public keys through libcrypto (EVP), for the signed-only policy.
///
/// The only type besides `ContentHasher` that touches libcrypto; keys, contexts and BIOs never
/// leave it. Any failure to parse a key or a signature is simply "does not verify".
public enum SignatureVerifier {
    /// Whether `signature` (DER, as cosign and most tools write ECDSA) signs `message` with SHA-256
    /// under the PEM public key `publicKeyPEM` (ECDSA P-256, or any key type libcrypto reads).
    public static func verify(signature: [UInt8], message: [UInt8], publicKeyPEM: String) -> Bool {
        withPublicKey(publicKeyPEM) { key in verify(signature: signature, message: message, key: key) } ?? false
    }

    /// Whether `signature` (DER) signs `message` (SHA-256) under `key`, an `EVP_PKEY` a type of
    /// this folder holds (the token key verifies with the key it keeps, not by parsing PEM per call).
    static func verify(signature: [UInt8], message: [UInt8], key: OpaquePointer) -> Bool {
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key) == 1 else { return false }
        let result = signature.withUnsafeBufferPointer { sig in
            message.withUnsafeBufferPointer { msg in
                EVP_DigestVerify(context, sig.baseAddress, sig.count, msg.baseAddress, msg.count)
            }
        }
        return result == 1
    }

    /// Whether `signature` (DER) signs the already computed SHA-256 `digest` under the key
    /// (a sigstore bundle's message signature signs a digest, not a message).
    public static func verify(signature: [UInt8], sha256Digest digest: [UInt8], publicKeyPEM: String) -> Bool {
        guard digest.count == 32 else { return false }
        return withPublicKey(publicKeyPEM) { key in
            guard let context = EVP_PKEY_CTX_new(key, nil) else { return false }
            defer { EVP_PKEY_CTX_free(context) }
            guard EVP_PKEY_verify_init(context) == 1, EVP_PKEY_CTX_set_signature_md(context, EVP_sha256()) == 1 else { return false }
            let result = signature.withUnsafeBufferPointer { sig in
                digest.withUnsafeBufferPointer { dgst in
                    EVP_PKEY_verify(context, sig.baseAddress, sig.count, dgst.baseAddress, dgst.count)
                }
            }
            return result == 1
        } ?? false
    }

    /// An ECDSA signature in JOSE's raw `r ‖ s` form (ES256, 64 bytes) rewritten as DER.
    public static func derFromRawECDSA(_ raw: [UInt8]) -> [UInt8]? {
        guard raw.count == 64, let signature = ECDSA_SIG_new() else { return nil }
        defer { ECDSA_SIG_free(signature) }
        let r = raw.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, 32, nil) }
        let s = raw.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress.map { $0 + 32 }, 32, nil) }
        guard let r, let s, ECDSA_SIG_set0(signature, r, s) == 1 else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        var output: UnsafeMutablePointer<UInt8>?
        let length = i2d_ECDSA_SIG(signature, &output)
        guard length > 0, let output else { return nil }
        defer { CRYPTO_free(output, #file, #line) }
        return Array(UnsafeBufferPointer(start: output, count: Int(length)))
    }

    /// A DER ECDSA signature rewritten in JOSE's raw `r ‖ s` form (P-256: 64 bytes).
    public static func rawFromDERECDSA(_ der: [UInt8]) -> [UInt8]? {
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var pointer: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_ECDSA_SIG(nil, &pointer, buffer.count)
        }
        guard let parsed else { return nil }
        defer { ECDSA_SIG_free(parsed) }
        guard let r = ECDSA_SIG_get0_r(parsed), let s = ECDSA_SIG_get0_s(parsed) else { return nil }
        var raw = [UInt8](repeating: 0, count: 64)
        let wroteR = raw.withUnsafeMutableBufferPointer { BN_bn2binpad(r, $0.baseAddress, 32) }
        let wroteS = raw.withUnsafeMutableBufferPointer { BN_bn2binpad(s, $0.baseAddress.map { $0 + 32 }, 32) }
        return wroteR == 32 && wroteS == 32 ? raw : nil
    }

    /// Whether `signature` (64 bytes) signs `message` under the raw 32-byte Ed25519 public key
    /// `publicKey` (TUF's `ed25519` keys, Notary's `eddsa` method).
    public static func verifyEd25519(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard publicKey.count == 32, signature.count == 64 else { return false }
        guard let key = publicKey.withUnsafeBufferPointer({ EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, $0.baseAddress, 32) }) else { return false }
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        // Ed25519 hashes internally: no digest is named, and the whole message goes in one call.
        guard EVP_DigestVerifyInit(context, nil, nil, nil, key) == 1 else { return false }
        let result = signature.withUnsafeBufferPointer { sig in
            message.withUnsafeBufferPointer { msg in EVP_DigestVerify(context, sig.baseAddress, sig.count, msg.baseAddress, msg.count) }
        }
        return result == 1
    }

    /// The public key (PEM) of a PEM X.509 certificate, or nil when it is none. TUF's
    /// `ecdsa-x509` and `rsa-x509` keys are certificates; what signs is their key.
    public static func publicKeyPEM(fromCertificatePEM certificate: [UInt8]) -> String? {
        certificate.withUnsafeBufferPointer { buffer -> String? in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            guard let x509 = PEM_read_bio_X509(bio, nil, nil, nil) else { return nil }
            defer { X509_free(x509) }
            guard let key = X509_get_pubkey(x509) else { return nil }
            defer { EVP_PKEY_free(key) }
            guard let out = BIO_new(BIO_s_mem()) else { return nil }
            defer { BIO_free(out) }
            guard PEM_write_bio_PUBKEY(out, key) == 1 else { return nil }
            var pointer: UnsafeMutablePointer<CChar>?
            let length = BIO_ctrl(out, BIO_CTRL_INFO, 0, &pointer)
            guard length > 0, let pointer else { return nil }
            return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
        }
    }

    /// Whether the PEM text holds a public key libcrypto can use.
    public static func isUsablePublicKey(_ pem: String) -> Bool {
        withPublicKey(pem) { _ in true } ?? false
    }

    private static func withPublicKey<R>(_ pem: String, _ body: (OpaquePointer) -> R) -> R? {
        let bytes = Array(pem.utf8)
        return bytes.withUnsafeBufferPointer { buffer -> R? in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            guard let key = PEM_read_bio_PUBKEY(bio, nil, nil, nil) else { return nil }
            defer { EVP_PKEY_free(key) }
            return body(key)
        }
    }
}
