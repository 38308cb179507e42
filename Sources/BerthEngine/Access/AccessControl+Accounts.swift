import BerthModel
import Foundation

/// Accounts and robots: creation, passwords, removal, sign-in.
extension AccessControl {
    /// The account, or nil.
    public func account(_ name: String) throws(RegistryError) -> UserAccount? {
        try record(Self.usersKind, name)
    }

    /// Every account, by name.
    public func accounts() throws(RegistryError) -> [UserAccount] {
        try records(Self.usersKind, prefix: "")
    }

    /// Creates an account; `.invalidPolicy` if the name is taken or unusable.
    public func addAccount(name: String, password: String, isAdmin: Bool = false, canCreateProjects: Bool = false,
                           isRobot: Bool = false, expiresAt: Date? = nil, actor: AuditActor = .local) async throws(RegistryError) -> UserAccount {
        guard Self.isUsableAccountName(name) else { throw .invalidPolicy("account name \(name) must be 1-64 characters of letters, digits, . _ - $ @") }
        guard try account(name) == nil else { throw .invalidPolicy("account \(name) exists already") }
        try Self.checkUsable(password: password)
        let hash = try await passwords { try PasswordHasher.hash(password) }
        let user = UserAccount(name: name, passwordHash: hash, isAdmin: isAdmin, canCreateProjects: canCreateProjects,
                               isRobot: isRobot, expiresAt: expiresAt, createdAt: clock.now())
        try await store(Self.usersKind, name, user)
        // What the account may do, so that a grant of rights shows in the log.
        let grants = [isAdmin ? "admin" : nil, canCreateProjects ? "can-create-projects" : nil, isRobot ? "robot" : nil,
                      expiresAt.map { "expires \(ISO8601DateFormatter().string(from: $0))" }].compactMap { $0 }
        await audit(AuditEvent(actor: actor.name, action: "user-add",
                               detail: ([name] + grants).joined(separator: " ")))
        return user
    }

    /// A robot account `robot$<name>` with a random secret, returned once, and an expiry.
    public func addRobot(name: String, expiresAt: Date, actor: AuditActor = .local) async throws(RegistryError) -> (account: UserAccount, secret: String) {
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in String(UInt8.random(in: .min ... .max, using: &generator), radix: 16) }.joined().prefix(48)
        let account = try await addAccount(name: "robot$\(name)", password: String(secret), isRobot: true, expiresAt: expiresAt, actor: actor)
        return (account, String(secret))
    }

    /// Changes an account's password.
    public func setPassword(_ name: String, to password: String, actor: AuditActor = .local) async throws(RegistryError) {
        guard var user = try account(name) else { throw .invalidPolicy("no account \(name)") }
        try Self.checkUsable(password: password)
        user.passwordHash = try await passwords { try PasswordHasher.hash(password) }
        try await store(Self.usersKind, name, user)
        credentialCache.withLock { $0.removeAll() }
        await audit(AuditEvent(actor: actor.name, action: "user-passwd", detail: name))
    }

    /// Removes an account and its memberships.
    public func removeAccount(_ name: String, actor: AuditActor = .local) async throws(RegistryError) {
        // The account and its memberships in one transaction: a crash between them would leave
        // memberships that an account made later under the same name would inherit.
        let removals = [(kind: Self.usersKind, key: name, value: [UInt8]?.none)]
            + (try projects()).map { (kind: Self.membersKind, key: "\($0.name)\u{0}\(name)", value: [UInt8]?.none) }
        guard try await RegistryError.wrapping({ try await index.setAccessRecords(removals) }).first == true else {
            throw .invalidPolicy("no account \(name)")
        }
        credentialCache.withLock { $0.removeAll() }
        await audit(AuditEvent(actor: actor.name, action: "user-rm", detail: name))
    }

    /// The principal for these credentials, or nil (unknown account, wrong password, expired).
    /// A failure is written to the audit log. Successes are cached briefly (never past the
    /// account's expiry), keyed by a hash of the credentials, so clients that send Basic
    /// credentials on every request stay fast.
    ///
    /// An unknown name costs the same bcrypt round as a wrong password (against a decoy hash),
    /// so timing does not tell which names exist; every round runs on the engine's one password
    /// thread, so a flood of guesses cannot take the I/O threads or more than one core.
    public func authenticate(_ name: String, password: String) async -> Principal? {
        let cacheKey = (try? ContentHasher.digest(of: Array("\(name)\u{0}\(password)".utf8)).encoded) ?? ""
        let now = clock.now()
        if let cached = credentialCache.withLock({ $0[cacheKey] }), cached.until > now { return cached.principal }
        let user = try? account(name)
        let hash = user?.passwordHash ?? PasswordHasher.decoyHash
        let matches = (try? await passwords { PasswordHasher.verify(password, hash: hash) }) ?? false
        guard let user, matches, user.expiresAt.map({ $0 > now }) ?? true else {
            let reason = user == nil ? "unknown account" : matches ? "expired account" : "wrong password"
            await audit(AuditEvent(actor: Self.loggable(name), action: "login-failed", detail: reason))
            return nil
        }
        let principal = Principal(user)
        let until = min(now.addingTimeInterval(60), user.expiresAt ?? .distantFuture)
        credentialCache.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[cacheKey] = (principal, until)
        }
        return principal
    }

    /// Refuses a password bcrypt would not hash as given: shorter than 8 or longer than 72 bytes
    /// (bcrypt ignores the rest), or with a NUL (bcrypt stops there).
    private static func checkUsable(password: String) throws(RegistryError) {
        guard password.utf8.count >= 8, password.utf8.count <= 72 else { throw .invalidPolicy("passwords are 8 to 72 bytes (bcrypt's limit)") }
        guard !password.utf8.contains(0) else { throw .invalidPolicy("passwords cannot contain a NUL character") }
    }

    /// A name a client sent, as the audit log may keep it: at most 64 characters of the
    /// account-name alphabet, anything else shown as `?`, so failed logins cannot write
    /// arbitrary or huge text into the log.
    static func loggable(_ name: String) -> String {
        let kept = name.unicodeScalars.prefix(64).map { scalar -> Character in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "._-$@".unicodeScalars.contains(scalar)) ? Character(scalar) : "?"
        }
        return String(kept) + (name.unicodeScalars.count > 64 ? "…" : "")
    }

}
