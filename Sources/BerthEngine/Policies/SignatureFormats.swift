import BerthModel
import Foundation

/// The signature formats a `verified` signed-only policy can check, read from what cosign and
/// Notation push. Pure functions over bytes: given a signature manifest's parts, a subject
/// digest and a key, does one of its signatures verify and name that subject?
///
/// - cosign simple signing (tag scheme `.sig` and OCI 1.1 referrers): each layer is the JSON
///   payload; its `dev.cosignproject.cosign/signature` annotation is the base64 DER ECDSA
///   signature over the payload; `critical.image.docker-manifest-digest` names the subject.
/// - sigstore bundle v0.3 with a DSSE envelope (cosign 3's default): the signature covers the
///   envelope's PAE encoding; the payload is an in-toto statement whose `subject` names the digest.
/// - sigstore bundle v0.3 with a message signature: the signature covers the message digest,
///   which must be the subject's SHA-256.
/// - Notation JWS envelopes (`application/jose+json`, ES256): the signature covers
///   `protected.payload`; the payload's `targetArtifact.digest` names the subject.
enum SignatureFormats {
    static let simpleSigningLayer = "application/vnd.dev.cosign.simplesigning.v1+json"
    static let cosignSignatureAnnotation = "dev.cosignproject.cosign/signature"
    static let bundleLayerPrefix = "application/vnd.dev.sigstore.bundle"
    static let notationJWS = "application/jose+json"

    /// Whether a signature manifest holds a signature over `subject` by `publicKeyPEM`.
    /// - Parameter blob: reads a layer's content (small: payloads and envelopes).
    static func verifies(manifest: Manifest, subject: Digest, publicKeyPEM: String,
                         blob: (Descriptor) throws -> [UInt8]) throws -> Bool {
        for layer in manifest.layers {
            let type = layer.mediaType.essence
            if type == simpleSigningLayer {
                guard let encoded = layer.annotations?[cosignSignatureAnnotation],
                      let signature = Data(base64Encoded: encoded) else { continue }
                let payload = try blob(layer)
                if simpleSigningNames(subject, payload: payload),
                   SignatureVerifier.verify(signature: Array(signature), message: payload, publicKeyPEM: publicKeyPEM) {
                    return true
                }
            } else if type.hasPrefix(bundleLayerPrefix) {
                if try bundleVerifies(try blob(layer), subject: subject, publicKeyPEM: publicKeyPEM) { return true }
            } else if type == notationJWS {
                if try notationVerifies(try blob(layer), subject: subject, publicKeyPEM: publicKeyPEM) { return true }
            }
        }
        return false
    }

    static func simpleSigningNames(_ subject: Digest, payload: [UInt8]) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any],
              let critical = object["critical"] as? [String: Any],
              let image = critical["image"] as? [String: Any],
              let digest = image["docker-manifest-digest"] as? String else { return false }
        return digest == subject.description
    }

    static func bundleVerifies(_ bytes: [UInt8], subject: Digest, publicKeyPEM: String) throws -> Bool {
        guard let bundle = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return false }
        if let envelope = bundle["dsseEnvelope"] as? [String: Any] {
            guard let payloadText = envelope["payload"] as? String, let payload = Data(base64Encoded: payloadText),
                  let payloadType = envelope["payloadType"] as? String,
                  let signatures = envelope["signatures"] as? [[String: Any]],
                  statementNames(subject, statement: Array(payload)) else { return false }
            let message = preAuthenticationEncoding(type: payloadType, body: Array(payload))
            return signatures.contains { entry in
                guard let text = entry["sig"] as? String, let signature = Data(base64Encoded: text) else { return false }
                return SignatureVerifier.verify(signature: Array(signature), message: message, publicKeyPEM: publicKeyPEM)
            }
        }
        if let message = bundle["messageSignature"] as? [String: Any] {
            guard let digest = message["messageDigest"] as? [String: Any],
                  digest["algorithm"] as? String == "SHA2_256",
                  let digestText = digest["digest"] as? String, let digestBytes = Data(base64Encoded: digestText),
                  subject.algorithm == .sha256, Array(digestBytes) == subject.rawBytes,
                  let signatureText = message["signature"] as? String, let signature = Data(base64Encoded: signatureText) else { return false }
            return SignatureVerifier.verify(signature: Array(signature), sha256Digest: Array(digestBytes), publicKeyPEM: publicKeyPEM)
        }
        return false
    }

    /// DSSE's PAE: `"DSSEv1" SP len(type) SP type SP len(body) SP body`.
    static func preAuthenticationEncoding(type: String, body: [UInt8]) -> [UInt8] {
        Array("DSSEv1 \(type.utf8.count) \(type) \(body.count) ".utf8) + body
    }

    /// Whether an in-toto statement lists `subject` among its subjects.
    static func statementNames(_ subject: Digest, statement: [UInt8]) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: Data(statement)) as? [String: Any],
              let subjects = object["subject"] as? [[String: Any]] else { return false }
        return subjects.contains { ($0["digest"] as? [String: String])?[subject.algorithm.rawValue] == subject.encoded }
    }

    static func notationVerifies(_ bytes: [UInt8], subject: Digest, publicKeyPEM: String) throws -> Bool {
        guard let envelope = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let protected = envelope["protected"] as? String, let payload = envelope["payload"] as? String,
              let signatureText = envelope["signature"] as? String,
              let header = base64URLDecode(protected),
              let headerObject = try? JSONSerialization.jsonObject(with: Data(header)) as? [String: Any],
              headerObject["alg"] as? String == "ES256",
              let payloadBytes = base64URLDecode(payload),
              let payloadObject = try? JSONSerialization.jsonObject(with: Data(payloadBytes)) as? [String: Any],
              let target = payloadObject["targetArtifact"] as? [String: Any],
              target["digest"] as? String == subject.description,
              let raw = base64URLDecode(signatureText),
              let der = SignatureVerifier.derFromRawECDSA(raw) else { return false }
        return SignatureVerifier.verify(signature: der, message: Array("\(protected).\(payload)".utf8), publicKeyPEM: publicKeyPEM)
    }

    static func base64URLDecode(_ text: String) -> [UInt8]? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map(Array.init)
    }
}
