import BerthEngine
import BerthHTTP
import Foundation
import Logging

/// What `berth serve` sets up for authentication on a data root: the token signing key (made
/// once, kept owner-only) and, on a root with no accounts, the first administrator.
enum AuthBootstrap {
    /// The token key of the root, generated on first use.
    static func signingKey(layout: DataRootLayout) throws -> TokenSigningKey {
        let path = "\(layout.auth)/token-key.pem"
        try ensureDirectory(layout.auth)
        // A key that exists but cannot be read is an error to report, never a reason to make a
        // new one (that would invalidate every token silently).
        if FileManager.default.fileExists(atPath: path) {
            return try TokenSigningKey(privateKeyPEM: try String(contentsOfFile: path, encoding: .utf8))
        }
        let pem = try TokenSigningKey.generatePEM()
        try writeOwnerOnly(pem, to: path)
        return try TokenSigningKey(privateKeyPEM: pem)
    }

    /// Creates `admin` when the root has no account: with `BERTH_ADMIN_PASSWORD` if set, else a
    /// random password printed once to the log and written owner-only in the root.
    static func firstAdministrator(registry: FileRegistry, layout: DataRootLayout, environment: [String: String], logger: Logger) async throws {
        guard try registry.access.accounts().isEmpty else { return }
        if let password = environment["BERTH_ADMIN_PASSWORD"], !password.isEmpty {
            _ = try await registry.access.addAccount(name: "admin", password: password, isAdmin: true, canCreateProjects: true)
            logger.notice("created the administrator account admin with the password from BERTH_ADMIN_PASSWORD")
            return
        }
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        let password = String((0..<24).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
        _ = try await registry.access.addAccount(name: "admin", password: password, isAdmin: true, canCreateProjects: true)
        let file = "\(layout.auth)/admin-password"
        try ensureDirectory(layout.auth)
        try writeOwnerOnly(password + "\n", to: file)
        logger.notice("created the administrator account admin", metadata: ["password": .string(password), "saved-in": .string(file)])
    }

    /// Creates the owner-only directory of secrets, or makes an existing one owner-only.
    private static func ensureDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard chmod(path, 0o700) == 0 else { throw CLIError("cannot make \(path) owner-only: \(String(cString: strerror(errno)))") }
    }

    /// Writes a secret readable by its owner only: created with mode 0600 from the first byte
    /// (never a moment readable by others), made durable, then renamed into place.
    private static func writeOwnerOnly(_ text: String, to path: String) throws {
        let temporary = path + ".tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CLIError("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced else {
            unlink(temporary)
            throw CLIError("cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else { throw CLIError("cannot move \(temporary) to \(path): \(String(cString: strerror(errno)))") }
    }
}
