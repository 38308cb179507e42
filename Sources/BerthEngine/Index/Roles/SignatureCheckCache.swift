import BerthModel

/// Outcomes of verifying a signature over a subject with a key, kept so that a signed-only
/// pull does not verify again. Entries go with the signature's manifest.
public protocol SignatureCheckCache: Sendable {
    /// A cached outcome of verifying `signature` over `subject` with the key whose SHA-256 is `key`.
    func signatureCheck(_ signature: Digest, subject: Digest, key: [UInt8], in repository: RepositoryName) throws -> Bool?
    /// Caches such an outcome.
    func recordSignatureCheck(_ signature: Digest, subject: Digest, key: [UInt8], in repository: RepositoryName, verified: Bool) async throws
}
