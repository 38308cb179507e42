import BerthModel
import Foundation

/// Accounts, projects, memberships, authorization and the audit log.
extension Registry {
    static let usersKind = "user"
    static let projectsKind = "project"
    static let membersKind = "member"

    // MARK: Accounts

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
                           isRobot: Bool = false, expiresAt: Date? = nil, actor: Principal? = nil) async throws(RegistryError) -> UserAccount {
        guard Self.isUsableAccountName(name) else { throw .invalidPolicy("account name \(name) must be 1-64 characters of letters, digits, . _ - $ @") }
        guard try account(name) == nil else { throw .invalidPolicy("account \(name) exists already") }
        try Self.checkUsable(password: password)
        let hash = try await passwords { try PasswordHasher.hash(password) }
        let user = UserAccount(name: name, passwordHash: hash, isAdmin: isAdmin, canCreateProjects: canCreateProjects,
                               isRobot: isRobot, expiresAt: expiresAt, createdAt: Date())
        try await store(Self.usersKind, name, user)
        // What the account may do, so that a grant of rights shows in the log.
        let grants = [isAdmin ? "admin" : nil, canCreateProjects ? "can-create-projects" : nil, isRobot ? "robot" : nil,
                      expiresAt.map { "expires \(ISO8601DateFormatter().string(from: $0))" }].compactMap { $0 }
        await audit(AuditEvent(actor: actor?.displayName ?? "local", action: "user-add",
                               detail: ([name] + grants).joined(separator: " ")))
        return user
    }

    /// A robot account `robot$<name>` with a random secret, returned once, and an expiry.
    public func addRobot(name: String, expiresAt: Date, actor: Principal? = nil) async throws(RegistryError) -> (account: UserAccount, secret: String) {
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in String(UInt8.random(in: .min ... .max, using: &generator), radix: 16) }.joined().prefix(48)
        let account = try await addAccount(name: "robot$\(name)", password: String(secret), isRobot: true, expiresAt: expiresAt, actor: actor)
        return (account, String(secret))
    }

    /// Changes an account's password.
    public func setPassword(_ name: String, to password: String, actor: Principal? = nil) async throws(RegistryError) {
        guard var user = try account(name) else { throw .invalidPolicy("no account \(name)") }
        try Self.checkUsable(password: password)
        user.passwordHash = try await passwords { try PasswordHasher.hash(password) }
        try await store(Self.usersKind, name, user)
        credentialCache.withLock { $0.removeAll() }
        await audit(AuditEvent(actor: actor?.displayName ?? "local", action: "user-passwd", detail: name))
    }

    /// Removes an account and its memberships.
    public func removeAccount(_ name: String, actor: Principal? = nil) async throws(RegistryError) {
        // The account and its memberships in one transaction: a crash between them would leave
        // memberships that an account made later under the same name would inherit.
        let removals = [(kind: Self.usersKind, key: name, value: [UInt8]?.none)]
            + (try projects()).map { (kind: Self.membersKind, key: "\($0.name)\u{0}\(name)", value: [UInt8]?.none) }
        guard try await RegistryError.wrapping({ try await index.setAccessRecords(removals) }).first == true else {
            throw .invalidPolicy("no account \(name)")
        }
        credentialCache.withLock { $0.removeAll() }
        await audit(AuditEvent(actor: actor?.displayName ?? "local", action: "user-rm", detail: name))
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
        let now = Date()
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

    // MARK: Projects and members

    /// Every project, by name.
    public func projects() throws(RegistryError) -> [Project] { try records(Self.projectsKind, prefix: "") }

    /// The project, or nil.
    public func project(_ name: String) throws(RegistryError) -> Project? { try record(Self.projectsKind, name) }

    /// Creates (or, existing, updates the visibility of) a project.
    @discardableResult
    public func saveProject(_ name: String, isPublic: Bool, actor: Principal? = nil) async throws(RegistryError) -> Project {
        guard (try? RepositoryName(parsing: name))?.components.count == 1 else { throw .invalidPolicy("project name \(name) is not a valid name segment") }
        let project = Project(name: name, isPublic: isPublic, createdAt: try self.project(name)?.createdAt ?? Date())
        try await store(Self.projectsKind, name, project)
        await audit(AuditEvent(actor: actor?.displayName ?? "local", action: "project", detail: "\(name) \(isPublic ? "public" : "private")"))
        return project
    }

    /// Removes a project and its memberships (its repositories stay, private to admins).
    public func removeProject(_ name: String, actor: Principal? = nil) async throws(RegistryError) {
        // The project and its memberships in one transaction, as for accounts.
        let removals = [(kind: Self.projectsKind, key: name, value: [UInt8]?.none)]
            + (try members(of: name)).map { (kind: Self.membersKind, key: "\(name)\u{0}\($0.user)", value: [UInt8]?.none) }
        guard try await RegistryError.wrapping({ try await index.setAccessRecords(removals) }).first == true else {
            throw .invalidPolicy("no project \(name)")
        }
        await audit(AuditEvent(actor: actor?.displayName ?? "local", action: "project-rm", detail: name))
    }

    /// Gives `user` a role in `project` (nil removes the membership).
    public func setMember(_ user: String, of project: String, role: ProjectRole?, actor: Principal? = nil) async throws(RegistryError) {
        guard try self.project(project) != nil else { throw .invalidPolicy("no project \(project)") }
        guard try account(user) != nil else { throw .invalidPolicy("no account \(user)") }
        let value = role.map { Array($0.rawValue.utf8) }
        _ = try await RegistryError.wrapping { try await index.setAccessRecord(Self.membersKind, "\(project)\u{0}\(user)", value) }
        await audit(AuditEvent(actor: actor?.displayName ?? "local", action: "member", detail: "\(user) in \(project): \(role?.rawValue ?? "removed")"))
    }

    /// The members of a project with their roles.
    public func members(of project: String) throws(RegistryError) -> [(user: String, role: ProjectRole)] {
        let found = try RegistryError.wrapping { try index.accessRecords(Self.membersKind, prefix: "\(project)\u{0}") }
        return found.compactMap { entry in
            guard let role = ProjectRole(rawValue: String(decoding: entry.value, as: UTF8.self)),
                  let separator = entry.key.firstIndex(of: "\u{0}") else { return nil }
            return (String(entry.key[entry.key.index(after: separator)...]), role)
        }
    }

    // MARK: Authorization

    /// What `principal` may do on `repository`: all for administrators; the member's role in
    /// the repository's project; pull on public projects for anyone; push into a project that
    /// does not exist yet, and holds no repository, for those who may create projects.
    ///
    /// Repositories without a project (their project was removed, or they were pushed in
    /// anonymous mode) are for administrators only: a project is new only if it is empty, so
    /// creating it never hands someone else's repositories to its creator.
    public func allowedActions(_ principal: Principal, on repository: RepositoryName) throws(RegistryError) -> Set<RepositoryAction> {
        if principal.isAdmin { return Set(RepositoryAction.allCases) }
        let projectName = Project.name(of: repository)
        guard let project = try project(projectName) else {
            // Pull and delete cover nothing in an empty project; docker asks for them with push.
            guard principal.canCreateProjects else { return [] }
            return try holdsRepositories(projectName) ? [] : [.pull, .push, .delete]
        }
        var actions: Set<RepositoryAction> = project.isPublic ? [.pull] : []
        if let name = principal.name,
           let stored = try RegistryError.wrapping({ try index.accessRecord(Self.membersKind, "\(projectName)\u{0}\(name)") }),
           let role = ProjectRole(rawValue: String(decoding: stored, as: UTF8.self)) {
            actions.formUnion(role.actions)
        }
        return actions
    }

    /// Creates the project of `repository`, private, when a push by someone who may create
    /// projects arrives there first; its creator becomes its admin.
    public func ensureProject(for repository: RepositoryName, pushedBy principal: Principal) async throws(RegistryError) {
        let name = Project.name(of: repository)
        guard try project(name) == nil, principal.canCreateProjects else { return }
        if !principal.isAdmin, try holdsRepositories(name) { return }
        try await saveProject(name, isPublic: false, actor: principal)
        if let user = principal.name, !principal.isAdmin {
            try await setMember(user, of: name, role: .admin, actor: principal)
        }
    }

    /// Whether any repository belongs to the project `name` (`library`: the single-segment names).
    private func holdsRepositories(_ name: String) throws(RegistryError) -> Bool {
        guard name == Project.library else {
            let prefix = "\(name)/"
            return try catalog(after: prefix, limit: 1).items.first?.value.hasPrefix(prefix) ?? false
        }
        // Single-segment names sit among all the others: look through the catalog by pages
        // (only asked when the project does not exist and an account could create it), once:
        // repositories are never removed from the catalog, so a yes stays a yes.
        if librarySeenInUse.withLock({ $0 }) { return true }
        var last: String?
        while true {
            let page = try catalog(after: last, limit: 1000)
            if page.items.contains(where: { $0.components.count == 1 }) {
                librarySeenInUse.withLock { $0 = true }
                return true
            }
            guard page.hasMore, let next = page.items.last?.value else { return false }
            last = next
        }
    }

    // MARK: Audit

    /// Appends an event to the audit log; a failure to record it is not the request's failure.
    public func audit(_ event: AuditEvent) async {
        guard !configuration.readOnly, let data = try? JSONEncoder().encode(event) else { return }
        try? await index.appendAudit(Array(data), at: event.time)
    }

    /// The newest `limit` audit events, oldest first.
    public func auditLog(limit: Int = 1000) throws(RegistryError) -> [AuditEvent] {
        let decoder = JSONDecoder()
        return try RegistryError.wrapping { try index.auditEvents(limit: limit) }.compactMap { try? decoder.decode(AuditEvent.self, from: Data($0)) }
    }

    // MARK: Records

    private func record<T: Decodable>(_ kind: String, _ key: String) throws(RegistryError) -> T? {
        guard let data = try RegistryError.wrapping({ try index.accessRecord(kind, key) }) else { return nil }
        return try RegistryError.wrapping { try JSONDecoder().decode(T.self, from: Data(data)) }
    }

    private func records<T: Decodable>(_ kind: String, prefix: String) throws(RegistryError) -> [T] {
        let decoder = JSONDecoder()
        return try RegistryError.wrapping { try index.accessRecords(kind, prefix: prefix).map { try decoder.decode(T.self, from: Data($0.value)) } }
    }

    private func store(_ kind: String, _ key: String, _ value: some Encodable) async throws(RegistryError) {
        let data = try RegistryError.wrapping { try JSONEncoder().encode(value) }
        _ = try await RegistryError.wrapping { try await index.setAccessRecord(kind, key, Array(data)) }
    }

    static func isUsableAccountName(_ name: String) -> Bool {
        (1...64).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-$@".contains($0)) }
    }
}
