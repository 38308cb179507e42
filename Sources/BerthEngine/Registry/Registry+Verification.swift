import BerthModel
import Foundation

/// The `verified` level of the signed-only policy.
extension Registry {
    /// Whether `digest` (or an index naming it) carries a signature that verifies against one of
    /// the trusted keys and names the signed digest. Outcomes are cached in the index per
    /// signature, subject and key, so a pull costs one lookup once a signature was checked.
    public func hasVerifiedSignature(_ digest: Digest, in repository: RepositoryName) async throws(RegistryError) -> Bool {
        let keys = policies.trustedKeys
        guard !keys.isEmpty else { return false }
        if let record = try RegistryError.wrapping({ try index.manifest(digest, in: repository) }), try trustSignatureIsVerified(record) { return true }
        var pending = [digest]
        var seen: Set<Digest> = []
        while let subject = pending.popLast() {
            guard seen.insert(subject).inserted else { continue }
            let links = try RegistryError.wrapping { try index.accessoryLinks(of: subject, in: repository) }
            for link in links where link.type.isSignature {
                for key in keys where try await verifies(link.accessory, subject: subject, key: key, in: repository) {
                    return true
                }
            }
            pending += try RegistryError.wrapping { try index.parents(of: subject, in: repository) }
        }
        return false
    }

    /// The largest signature payload or envelope read for verification (1 MiB).
    static var maximumSignaturePayload: Int64 { 1 << 20 }

    private func verifies(_ signature: Digest, subject: Digest, key: TrustedKey, in repository: RepositoryName) async throws(RegistryError) -> Bool {
        let keyID = try RegistryError.wrapping { try ContentHasher.digest(of: Array(key.publicKeyPEM.utf8)).rawBytes }
        if let cached = try RegistryError.wrapping({ try index.signatureCheck(signature, subject: subject, key: keyID, in: repository) }) {
            return cached
        }
        guard let bytes = try RegistryError.wrapping({ try index.manifestBytes(signature) }),
              let manifest = try? Manifest(parsing: bytes, contentType: nil) else { return false }
        let blobs = blobs
        let verified = try await io { () throws -> Bool in
            try SignatureFormats.verifies(manifest: manifest, subject: subject, publicKeyPEM: key.publicKeyPEM) { layer in
                // Payloads and envelopes are small; a "signature" layer of megabytes is not one.
                // The file's own size decides, not the descriptor's: a manifest could name a
                // huge layer with a small size, and every verification would read it whole.
                guard layer.size <= Self.maximumSignaturePayload else { return [] }
                let reader = try blobs.openReader(layer.digest)
                guard reader.size <= Self.maximumSignaturePayload else { return [] }
                return try reader.read(at: 0, count: Int(reader.size))
            }
        }
        try await RegistryError.wrapping {
            try await index.recordSignatureCheck(signature, subject: subject, key: keyID, in: repository, verified: verified)
        }
        return verified
    }
}
