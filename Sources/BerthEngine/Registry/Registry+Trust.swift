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
                    let version = try TUFSignedDocument(parsing: bytes).signed["version"]?.integerValue ?? 0
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

    /// Removes every version of every role of `gun` and the server's keys for it (lost keys:
    /// a new root can then be published). Audited. Returns how many files went.
    @discardableResult
    public func deleteTrust(gun: String, by actor: AuditActor) async throws(RegistryError) -> Int {
        let removed = try await RegistryError.wrapping { try await index.write { txn in try txn.removeTrust(gun: gun) } }
        let keys = trustKeys
        try await io { keys.remove(gun) }
        await access.audit(AuditEvent(actor: actor.name, action: "trust-delete", detail: "\(gun): \(removed) files"))
        return removed
    }

    /// Every GUN with trust data.
    public func trustNames() throws(RegistryError) -> [String] {
        try RegistryError.wrapping { try index.trustNames() }
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
