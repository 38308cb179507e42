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
        guard password.utf8.count >= 8, password.utf8.count <= 72 else { throw .invalidPolicy("passwords are 8 to 72 bytes (bcrypt's limit)") }
        let hash = try await io { try PasswordHasher.hash(password) }
        let user = UserAccount(name: name, passwordHash: hash, isAdmin: isAdmin, canCreateProjects: canCreateProjects,
                               isRobot: isRobot, expiresAt: expiresAt, createdAt: Date())
        try await store(Self.usersKind, name, user)
        await audit(AuditEvent(actor: actor?.displayName ?? "local", action: "user-add", detail: name))
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
        guard password.utf8.count >= 8, password.utf8.count <= 72 else { throw .invalidPolicy("passwords are 8 to 72 bytes (bcrypt's limit)") }
        user.passwordHash = try await io { try PasswordHasher.hash(password) }
        try await store(Self.usersKind, name, user)
        credentialCache.withLock { $0.removeAll() }
        await audit(AuditEvent(actor: actor?.displayName ?? "local", action: "user-passwd", detail: name))
    }

    /// Removes an account and its memberships.
    public func removeAccount(_ name: String, actor: Principal? = nil) async throws(RegistryError) {
        guard try await RegistryError.wrapping({ try await index.setAccessRecord(Self.usersKind, name, nil) }) else {
            throw .invalidPolicy("no account \(name)")
        }
        for project in try projects() {
            _ = try await RegistryError.wrapping { try await index.setAccessRecord(Self.membersKind, "\(project.name)\u{0}\(name)", nil) }
        }
        credentialCache.withLock { $0.removeAll() }
        await audit(AuditEvent(actor: actor?.displayName ?? "local", action: "user-rm", detail: name))
    }

    /// The principal for these credentials, or nil (unknown account, wrong password, expired).
    /// A failure is written to the audit log. Successes are cached briefly, keyed by a hash of
    /// the credentials, so clients that send Basic credentials on every request stay fast.
    public func authenticate(_ name: String, password: String) async -> Principal? {
        let cacheKey = (try? ContentHasher.digest(of: Array("\(name)\u{0}\(password)".utf8)).encoded) ?? ""
        let now = Date()
        if let cached = credentialCache.withLock({ $0[cacheKey] }), cached.until > now { return cached.principal }
        guard let user = try? account(name), user.expiresAt.map({ $0 > now }) ?? true else {
            await audit(AuditEvent(actor: name, action: "login-failed", detail: "unknown or expired account"))
            return nil
        }
        let hash = user.passwordHash
        let matches = (try? await io { PasswordHasher.verify(password, hash: hash) }) ?? false
        guard matches else {
            await audit(AuditEvent(actor: name, action: "login-failed", detail: "wrong password"))
            return nil
        }
        let principal = Principal(user)
        credentialCache.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[cacheKey] = (principal, now.addingTimeInterval(60))
        }
        return principal
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
        guard try await RegistryError.wrapping({ try await index.setAccessRecord(Self.projectsKind, name, nil) }) else {
            throw .invalidPolicy("no project \(name)")
        }
        for member in try members(of: name) {
            _ = try await RegistryError.wrapping { try await index.setAccessRecord(Self.membersKind, "\(name)\u{0}\(member.user)", nil) }
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
    /// does not exist yet for those who may create projects.
    public func allowedActions(_ principal: Principal, on repository: RepositoryName) throws(RegistryError) -> Set<RepositoryAction> {
        if principal.isAdmin { return Set(RepositoryAction.allCases) }
        let projectName = Project.name(of: repository)
        guard let project = try project(projectName) else {
            return principal.canCreateProjects ? [.pull, .push, .delete] : []
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
        try await saveProject(name, isPublic: false, actor: principal)
        if let user = principal.name, !principal.isAdmin {
            try await setMember(user, of: name, role: .admin, actor: principal)
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
