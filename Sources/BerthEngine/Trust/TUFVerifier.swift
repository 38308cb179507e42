import BerthModel
import Foundation

/// Checks TUF signatures the way a trust server must before it stores anything: a document
/// is signed by a role when at least the role's threshold of distinct keys, each listed for the
/// role and each whose id is the SHA-256 of its canonical form, have a signature over the
/// canonical signed part that verifies. Methods: `ecdsa` (P-256, raw r ‖ s over SHA-256, with
/// `ecdsa` or `ecdsa-x509` keys) and `eddsa` (`ed25519` keys); any other is never counted.
public enum TUFVerifier {
    /// The id of a key: hex SHA-256 of its canonical form with the private part null.
    public static func id(of key: TUFKey) -> String {
        (try? ContentHasher.digest(of: key.identityBytes))?.encoded ?? ""
    }

    /// Whether `signature` signs `message` under `key`.
    public static func verifies(_ signature: TUFSignedDocument.Signature, message: [UInt8], key: TUFKey) -> Bool {
        switch (signature.method, key.type) {
        case ("ecdsa", "ecdsa"):
            let lines = stride(from: 0, to: key.publicBase64.count, by: 64).map { offset -> String in
                let start = key.publicBase64.index(key.publicBase64.startIndex, offsetBy: offset)
                let end = key.publicBase64.index(start, offsetBy: 64, limitedBy: key.publicBase64.endIndex) ?? key.publicBase64.endIndex
                return String(key.publicBase64[start..<end])
            }
            let pem = "-----BEGIN PUBLIC KEY-----\n" + lines.joined(separator: "\n") + "\n-----END PUBLIC KEY-----\n"
            return verifiesECDSA(signature.signature, message, pem)
        case ("ecdsa", "ecdsa-x509"):
            guard let pem = SignatureVerifier.publicKeyPEM(fromCertificatePEM: key.publicBytes) else { return false }
            return verifiesECDSA(signature.signature, message, pem)
        case ("eddsa", "ed25519"):
            return SignatureVerifier.verifyEd25519(signature: signature.signature, message: message, publicKey: key.publicBytes)
        default:
            return false
        }
    }

    private static func verifiesECDSA(_ raw: [UInt8], _ message: [UInt8], _ pem: String) -> Bool {
        guard let der = SignatureVerifier.derFromRawECDSA(raw) else { return false }
        return SignatureVerifier.verify(signature: der, message: message, publicKeyPEM: pem)
    }

    /// The ids of the role's keys whose signatures on `document` verify (each key counted once).
    public static func signingKeys(of document: TUFSignedDocument, role: TUFRoleMetadata.KeyRole, keys: [String: TUFKey]) -> Set<String> {
        var signed: Set<String> = []
        let allowed = Set(role.keyIDs)
        for signature in document.signatures where allowed.contains(signature.keyID) && !signed.contains(signature.keyID) {
            guard let key = keys[signature.keyID], id(of: key) == signature.keyID else { continue }
            if verifies(signature, message: document.signedBytes, key: key) { signed.insert(signature.keyID) }
        }
        return signed
    }

    /// Whether `document` carries the role's threshold of verifying signatures.
    public static func isSigned(_ document: TUFSignedDocument, by role: TUFRoleMetadata.KeyRole, keys: [String: TUFKey]) -> Bool {
        signingKeys(of: document, role: role, keys: keys).count >= role.threshold
    }
}
