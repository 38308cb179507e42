import BerthModel
import Foundation

/// Docker Content Trust: the TUF metadata of each GUN (`<registry host>/<repository>`), kept
/// in the index, published only through `TrustUpdateCheck`, with a timestamp the server signs
/// with its own key on every publish.
extension Registry {
    /// How long a timestamp the server signs is valid (Notary's default: 14 days).
    public static var timestampLifetime: TimeInterval { 14 * 86_400 }

    /// Publishes an update of several roles of `gun` at once: checked against the GUN's current
    /// metadata inside the writing transaction, stored with a fresh server-signed timestamp (and
    /// snapshot, when the server holds the snapshot key and none was sent), all in one
    /// transaction, or nothing. Refusals are `.invalidPolicy` with the reason.
    public func publishTrust(gun: String, files: [String: [UInt8]]) async throws(RegistryError) {
        let keys = trustKeys
        let (timestampKey, snapshotKey) = try await io { () throws -> (TokenSigningKey?, TokenSigningKey?) in
            (try keys.key(gun, .timestamp, create: true), try keys.key(gun, .snapshot, create: false))
        }
        guard let timestampKey else { throw .storage("no timestamp key for \(gun)") }
        let now = self.now()
        do {
            try await index.write { txn in
                let stored = try txn.trustFiles(gun: gun)
                let check = TrustUpdateCheck(current: stored.mapValues(\.bytes), now: now, serverSignsSnapshot: snapshotKey != nil)
                let accepted = try check.check(files)
                var written = files
                let root = try TUFRoleMetadata.Root((accepted["root"] ?? TUFSignedDocument(parsing: stored["root"]?.bytes ?? [])).signed)
                if written["snapshot"] == nil, let snapshotKey {
                    written["snapshot"] = try Self.serverSnapshot(root: root, files: written, stored: stored, key: snapshotKey, now: now)
                }
                guard let snapshot = written["snapshot"] ?? stored["snapshot"]?.bytes else { throw TrustUpdateRefusal.notAllowed("no snapshot to timestamp") }
                written["timestamp"] = try Self.serverTimestamp(root: root, snapshot: snapshot, stored: stored["timestamp"], key: timestampKey, now: now)
                for (role, bytes) in written {
                    // What the client sent was parsed by the check; only the server's own files are read here.
                    let version = try (accepted[role] ?? TUFSignedDocument(parsing: bytes)).signed["version"]?.integerValue ?? 0
                    try txn.putTrustFile(gun: gun, role: role, file: TrustFile(version: version, bytes: bytes))
                }
            }
        } catch let refusal as TrustUpdateRefusal {
            throw .invalidPolicy(refusal.description)
        } catch {
            throw RegistryError(error)
        }
    }

    /// The current file of a role, a version of it, or the one with a SHA-256; nil when absent.
    public func trustFile(gun: String, role: String, version: Int64? = nil, sha256: [UInt8]? = nil) throws(RegistryError) -> TrustFile? {
        try RegistryError.wrapping {
            if let version { return try index.trustFile(gun: gun, role: role, version: version) }
            if let sha256 { return try index.trustFile(gun: gun, role: role, sha256: sha256) }
            return try index.trustFile(gun: gun, role: role)
        }
    }

    /// The current timestamp of `gun`, signed anew first when it expires within a day (a
    /// timestamp the server signed must never lapse while nobody publishes); nil without one.
    public func currentTimestamp(gun: String) async throws(RegistryError) -> TrustFile? {
        guard let current = try trustFile(gun: gun, role: "timestamp") else { return nil }
        let now = self.now()
        if let signed = try? TUFSignedDocument(parsing: current.bytes), let expires = signed.signed["expires"]?.stringValue,
           let date = TrustUpdateCheck.date(expires), date.timeIntervalSince(now) > 86_400 {
            return current
        }
        let keys = trustKeys
        guard let key = try await io({ try keys.key(gun, .timestamp, create: false) }) else { return current }
        do {
            return try await index.write { txn in
                let files = try txn.trustFiles(gun: gun)
                guard let stored = files["timestamp"], let snapshot = files["snapshot"]?.bytes, let rootBytes = files["root"]?.bytes else { return current }
                // Another request may have refreshed it meanwhile.
                if stored.version != current.version { return stored }
                let root = try TUFRoleMetadata.Root(TUFSignedDocument(parsing: rootBytes).signed)
                let bytes = try Self.serverTimestamp(root: root, snapshot: snapshot, stored: stored, key: key, now: now)
                let file = TrustFile(version: stored.version + 1, bytes: bytes)
                try txn.putTrustFile(gun: gun, role: "timestamp", file: file)
                return file
            }
        } catch {
            throw RegistryError(error)
        }
    }

    /// The public key the server holds for `role` of `gun` as TUF lists it (made on first use
    /// for the timestamp; for the snapshot, made when `replace` asks, as `notary key rotate
    /// <gun> snapshot -r` does).
    public func trustServerKey(gun: String, role: TrustKeyStore.Role, replace: Bool = false) async throws(RegistryError) -> TUFKey {
        let keys = trustKeys
        let key = try await io { () throws -> TokenSigningKey? in
            replace ? try keys.replace(gun, role) : try keys.key(gun, role, create: role == .timestamp || replace)
        }
        guard let key, let tuf = TrustKeyStore.tufKey(key) else { throw .invalidPolicy("the server holds no \(role.rawValue) key for \(gun)") }
        return tuf
    }

    /// Removes every version of every role of `gun` in one transaction (lost keys: a new root
    /// can then be published). The server's keys for it stay, as a Notary server's signer keeps
    /// them: a client that fetched the timestamp key before the delete publishes a root listing
    /// it. Audited. Returns how many files went.
    @discardableResult
    public func deleteTrust(gun: String, by actor: AuditActor) async throws(RegistryError) -> Int {
        let removed = try await RegistryError.wrapping { try await index.write { txn in try txn.removeTrust(gun: gun) } }
        await access.audit(AuditEvent(actor: actor.name, action: "trust-delete", detail: "\(gun): \(removed) files"))
        return removed
    }

    /// Every GUN with trust data.
    public func trustNames() throws(RegistryError) -> [String] {
        try RegistryError.wrapping { try index.trustNames() }
    }

    // MARK: Signed by Docker Content Trust

    /// The targets keys of the GUNs of `repository` whose current targets (top level or a
    /// delegation) hold a target named after one of the manifest's tags with the manifest's
    /// SHA-256 and length: empty when no tag of it is signed that way. A tag is signed as long
    /// as the metadata says so; `notary remove` and a publish end it.
    func trustSigners(of record: ManifestRecord) throws(RegistryError) -> [TUFKey] {
        let names = try RegistryError.wrapping { try index.trustNames(ofRepository: record.repository.value) }
        guard !names.isEmpty else { return [] }
        let tags = Set(try RegistryError.wrapping { try index.tags(of: record.digest, in: record.repository) }.map(\.value))
        guard !tags.isEmpty else { return [] }
        let digest = record.digest.rawBytes
        var signers: [TUFKey] = []
        for gun in names {
            let files = try RegistryError.wrapping { try index.trustFiles(gun: gun) }
            guard let rootBytes = files["root"]?.bytes, let root = try? TUFRoleMetadata.Root(TUFSignedDocument(parsing: rootBytes).signed) else { continue }
            var delegationKeys: [String: [TUFKey]] = [:]
            for role in files.keys.sorted() where role == "targets" || role.hasPrefix("targets/") {
                guard let bytes = files[role]?.bytes, let targets = try? TUFRoleMetadata.Targets(TUFSignedDocument(parsing: bytes).signed) else { continue }
                for delegation in targets.delegations { delegationKeys[delegation.name] = delegation.keyIDs.compactMap { targets.delegationKeys[$0] } }
                let matches = targets.targets.contains { name, meta in
                    tags.contains(name) && meta.length == record.size && meta.hashes["sha256"].map { ConstantTime.equals($0, digest) } == true
                }
                guard matches else { continue }
                signers += role == "targets" ? (root.roles["targets"]?.keyIDs.compactMap { root.keys[$0] } ?? []) : (delegationKeys[role] ?? [])
            }
        }
        return signers
    }

    /// Whether one of the keys that signed the manifest's tags through Docker Content Trust is a
    /// trusted key (the same public key, whatever its encoding: an `ecdsa-x509` key's certificate
    /// holds it).
    func trustSignatureIsVerified(_ record: ManifestRecord) throws(RegistryError) -> Bool {
        let trusted = Set(policies.trustedKeys.map { Self.normalizedPEM($0.publicKeyPEM) })
        guard !trusted.isEmpty else { return false }
        for key in try trustSigners(of: record) {
            let pem: String?
            switch key.type {
            case "ecdsa-x509", "rsa-x509": pem = SignatureVerifier.publicKeyPEM(fromCertificatePEM: key.publicBytes)
            case "ecdsa", "rsa": pem = "-----BEGIN PUBLIC KEY-----\n" + key.publicBase64 + "\n-----END PUBLIC KEY-----"
            default: pem = nil
            }
            if let pem, trusted.contains(Self.normalizedPEM(pem)) { return true }
        }
        return false
    }

    /// A PEM's base64 body without line breaks, so two encodings of one key compare equal.
    static func normalizedPEM(_ pem: String) -> String {
        pem.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined().filter { !$0.isWhitespace }
    }

    // MARK: What the server signs

    private static func meta(_ bytes: [UInt8]) throws -> JSONValue {
        let sha256 = try ContentHasher.digest(of: bytes).rawBytes
        let sha512 = try ContentHasher.digest(of: bytes, using: .sha512).rawBytes
        return .object(["length": .integer(Int64(bytes.count)),
                        "hashes": .object(["sha256": .string(Data(sha256).base64EncodedString()), "sha512": .string(Data(sha512).base64EncodedString())])])
    }

    private static func sign(_ signed: JSONValue, with key: TokenSigningKey, role: String, root: TUFRoleMetadata.Root) throws -> [UInt8] {
        guard let tuf = TrustKeyStore.tufKey(key) else { throw TrustUpdateRefusal.notAllowed("the server's \(role) key cannot be listed") }
        let id = TUFVerifier.id(of: tuf)
        guard root.roles[role]?.keyIDs.contains(id) == true else {
            throw TrustUpdateRefusal.notAllowed("the root does not list the server's \(role) key (\(id)); fetch \(role).key and sign a root that lists it")
        }
        let signature = try key.sign(signed.canonicalBytes)
        return JSONValue.object(["signed": signed, "signatures": .array([.object([
            "keyid": .string(id), "method": .string("ecdsa"), "sig": .string(Data(signature).base64EncodedString())])])]).canonicalBytes
    }

    private static func expiry(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    static func serverTimestamp(root: TUFRoleMetadata.Root, snapshot: [UInt8], stored: TrustFile?, key: TokenSigningKey, now: Date) throws -> [UInt8] {
        let signed = JSONValue.object([
            "_type": .string("Timestamp"), "version": .integer((stored?.version ?? 0) + 1),
            "expires": .string(expiry(now.addingTimeInterval(timestampLifetime))), "meta": .object(["snapshot": try meta(snapshot)]),
        ])
        return try sign(signed, with: key, role: "timestamp", root: root)
    }

    static func serverSnapshot(root: TUFRoleMetadata.Root, files: [String: [UInt8]], stored: [String: TrustFile], key: TokenSigningKey, now: Date) throws -> [UInt8] {
        var meta: [String: JSONValue] = [:]
        for role in Set(files.keys).union(stored.keys) where role != "timestamp" && role != "snapshot" {
            guard let bytes = files[role] ?? stored[role]?.bytes else { continue }
            meta[role] = try self.meta(bytes)
        }
        let signed = JSONValue.object([
            "_type": .string("Snapshot"), "version": .integer((stored["snapshot"]?.version ?? 0) + 1),
            "expires": .string(expiry(now.addingTimeInterval(3 * 365 * 86_400))), "meta": .object(meta),
        ])
        return try sign(signed, with: key, role: "snapshot", root: root)
    }
}
