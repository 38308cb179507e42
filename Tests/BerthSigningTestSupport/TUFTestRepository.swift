import BerthEngine
import BerthModel
import Foundation

/// Builds TUF metadata signed with real ECDSA P-256 keys (openssl), the way Notary's client does.
public struct TUFTestRepository: Sendable {
    public let rootKey = try! TestSigner()
    public let targetsKey = try! TestSigner()
    public let snapshotKey = try! TestSigner()
    /// A new set of keys (made with openssl).
    public init() {}

    public let future = "2030-01-01T00:00:00.123456789Z"

    public func remove() { [rootKey, targetsKey, snapshotKey].forEach { $0.remove() } }

    /// A key entry as TUF lists it (`ecdsa`: base64 DER SubjectPublicKeyInfo) and its id.
    public func entry(_ signer: TestSigner) -> (id: String, value: JSONValue) {
        let body = signer.publicKeyPEM.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let value = JSONValue.object(["keytype": .string("ecdsa"), "keyval": .object(["private": .null, "public": .string(body)])])
        return (TUFVerifier.id(of: try! TUFKey(value)), value)
    }

    /// `{"signed": …, "signatures": […]}` signed by each of `signers`.
    public func document(_ signed: JSONValue, by signers: [TestSigner]) -> [UInt8] {
        let message = signed.canonicalBytes
        let signatures = signers.map { signer -> JSONValue in
            let raw = TestSigner.rawFromDER(try! signer.sign(message))
            return .object(["keyid": .string(entry(signer).id), "method": .string("ecdsa"), "sig": .string(Data(raw).base64EncodedString())])
        }
        return JSONValue.object(["signed": signed, "signatures": .array(signatures)]).canonicalBytes
    }

    public func role(_ signers: [TestSigner], threshold: Int = 1) -> JSONValue {
        .object(["keyids": .array(signers.map { .string(entry($0).id) }), "threshold": .integer(Int64(threshold))])
    }

    public func root(version: Int64 = 1, rootKeys: [TestSigner]? = nil, threshold: Int = 1, expires: String? = nil, signedBy: [TestSigner]? = nil,
              timestampKey: TUFKey? = nil) -> [UInt8] {
        let roots = rootKeys ?? [rootKey]
        var keys: [String: JSONValue] = [:]
        for signer in roots + [targetsKey, snapshotKey] { keys[entry(signer).id] = entry(signer).value }
        var timestampRole = role([snapshotKey])
        if let timestampKey {
            let id = TUFVerifier.id(of: timestampKey)
            keys[id] = .object(["keytype": .string(timestampKey.type), "keyval": .object(["private": .null, "public": .string(timestampKey.publicBase64)])])
            timestampRole = .object(["keyids": .array([.string(id)]), "threshold": .integer(1)])
        }
        let signed = JSONValue.object([
            "_type": .string("Root"), "consistent_snapshot": .bool(false), "expires": .string(expires ?? future), "version": .integer(version),
            "keys": .object(keys),
            "roles": .object(["root": role(roots, threshold: threshold), "targets": role([targetsKey]), "snapshot": role([snapshotKey]),
                              "timestamp": timestampRole]),
        ])
        return document(signed, by: signedBy ?? roots)
    }

    public func targets(version: Int64 = 1, targets: [String: [UInt8]] = [:], delegations: [(String, TestSigner, [String])] = [], expires: String? = nil,
                 role: String = "targets", signedBy: TestSigner? = nil) -> [UInt8] {
        var entries: [String: JSONValue] = [:]
        for (name, content) in targets {
            let hash = try! ContentHasher.digest(of: content).rawBytes
            entries[name] = .object(["length": .integer(Int64(content.count)), "hashes": .object(["sha256": .string(Data(hash).base64EncodedString())])])
        }
        var delegationKeys: [String: JSONValue] = [:]
        for (_, signer, _) in delegations { delegationKeys[entry(signer).id] = entry(signer).value }
        let roles: [JSONValue] = delegations.map { name, signer, paths in
            .object(["name": .string(name), "keyids": .array([.string(entry(signer).id)]), "threshold": .integer(1), "paths": .array(paths.map { .string($0) })])
        }
        let signed = JSONValue.object([
            "_type": .string("Targets"), "expires": .string(expires ?? future), "version": .integer(version), "targets": .object(entries),
            "delegations": .object(["keys": .object(delegationKeys), "roles": .array(roles)]),
        ])
        return document(signed, by: [signedBy ?? targetsKey])
    }

    public func snapshot(version: Int64 = 1, pinning files: [String: [UInt8]], signedBy: TestSigner? = nil) -> [UInt8] {
        var meta: [String: JSONValue] = [:]
        for (role, bytes) in files {
            let sha256 = try! ContentHasher.digest(of: bytes).rawBytes
            let sha512 = try! ContentHasher.digest(of: bytes, using: .sha512).rawBytes
            meta[role] = .object(["length": .integer(Int64(bytes.count)), "hashes": .object([
                "sha256": .string(Data(sha256).base64EncodedString()), "sha512": .string(Data(sha512).base64EncodedString())])])
        }
        let signed = JSONValue.object(["_type": .string("Snapshot"), "expires": .string(future), "version": .integer(version), "meta": .object(meta)])
        return document(signed, by: [signedBy ?? snapshotKey])
    }

    /// A first publish: root, targets (with `targets`) and a snapshot pinning both.
    public func firstPublish(targets content: [String: [UInt8]] = ["v1": Array("image".utf8)]) -> [String: [UInt8]] {
        let root = root()
        let targets = targets(targets: content)
        return ["root": root, "targets": targets, "snapshot": snapshot(pinning: ["root": root, "targets": targets])]
    }
}

