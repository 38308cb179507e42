import BerthModel
import Foundation
import Synchronization

/// The keys the trust server holds for each GUN: its timestamp key (always) and its snapshot
/// key (once a client hands the snapshot role to the server). ECDSA P-256, generated on first
/// use, kept as PEM in `<root>/trust-keys/` (an owner-only folder, files 0600), read once and
/// then held in memory.
public final class TrustKeyStore: Sendable {
    /// A role whose key the server may hold.
    public enum Role: String, Sendable, CaseIterable {
        case timestamp, snapshot
    }

    private let directory: String
    private let loaded = Mutex<[String: TokenSigningKey]>([:])

    /// The store of keys under `directory`.
    public init(directory: String) { self.directory = directory }

    private func path(_ gun: String, _ role: Role) -> String {
        let name = (try? ContentHasher.digest(of: Array(gun.utf8)).encoded) ?? "gun"
        return "\(directory)/\(name).\(role.rawValue).pem"
    }

    /// The key of `role` for `gun`; with `create`, made when there is none. Blocking file I/O:
    /// call it on the I/O threads.
    public func key(_ gun: String, _ role: Role, create: Bool) throws -> TokenSigningKey? {
        let file = path(gun, role)
        if let known = loaded.withLock({ $0[file] }) { return known }
        if let stored = try OwnerOnlyFile.read(file) {
            let key = try TokenSigningKey(privateKeyPEM: String(decoding: stored, as: UTF8.self))
            loaded.withLock { $0[file] = key }
            return key
        }
        guard create else { return nil }
        return try replace(gun, role)
    }

    /// A new key for `role` of `gun`, replacing the one held (what `notary key rotate … -r` asks for).
    @discardableResult
    public func replace(_ gun: String, _ role: Role) throws -> TokenSigningKey {
        try OwnerOnlyFile.ensureDirectory(directory)
        let pem = try TokenSigningKey.generatePEM()
        let key = try TokenSigningKey(privateKeyPEM: pem)
        try OwnerOnlyFile.write(Array(pem.utf8), to: path(gun, role))
        loaded.withLock { $0[path(gun, role)] = key }
        return key
    }

    /// A held key as TUF lists it: `ecdsa`, base64 DER SubjectPublicKeyInfo.
    public static func tufKey(_ key: TokenSigningKey) -> TUFKey? {
        let body = key.publicKeyPEM.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        return try? TUFKey(.object(["keytype": .string("ecdsa"), "keyval": .object(["private": .null, "public": .string(body)])]))
    }
}
