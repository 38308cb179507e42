import BerthModel
import Foundation

/// Projects and their members.
extension AccessControl {
    /// Every project, by name.
    public func projects() throws(RegistryError) -> [Project] { try records(Self.projectsKind, prefix: "") }

    /// The project, or nil.
    public func project(_ name: String) throws(RegistryError) -> Project? { try record(Self.projectsKind, name) }

    /// Creates (or, existing, updates the visibility of) a project.
    @discardableResult
    public func saveProject(_ name: String, isPublic: Bool, actor: AuditActor = .local) async throws(RegistryError) -> Project {
        guard (try? RepositoryName(parsing: name))?.components.count == 1 else { throw .invalidPolicy("project name \(name) is not a valid name segment") }
        let project = Project(name: name, isPublic: isPublic, createdAt: try self.project(name)?.createdAt ?? clock.now())
        try await store(Self.projectsKind, name, project)
        await audit(AuditEvent(actor: actor.name, action: "project", detail: "\(name) \(isPublic ? "public" : "private")"))
        return project
    }

    /// Removes a project and its memberships (its repositories stay, private to admins).
    public func removeProject(_ name: String, actor: AuditActor = .local) async throws(RegistryError) {
        // The project and its memberships in one transaction, as for accounts.
        let removals = [(kind: Self.projectsKind, key: name, value: [UInt8]?.none)]
            + (try members(of: name)).map { (kind: Self.membersKind, key: "\(name)\u{0}\($0.user)", value: [UInt8]?.none) }
        guard try await RegistryError.wrapping({ try await index.setAccessRecords(removals) }).first == true else {
            throw .invalidPolicy("no project \(name)")
        }
        await audit(AuditEvent(actor: actor.name, action: "project-rm", detail: name))
    }

    /// Gives `user` a role in `project` (nil removes the membership).
    public func setMember(_ user: String, of project: String, role: ProjectRole?, actor: AuditActor = .local) async throws(RegistryError) {
        guard try self.project(project) != nil else { throw .invalidPolicy("no project \(project)") }
        guard try account(user) != nil else { throw .invalidPolicy("no account \(user)") }
        let value = role.map { Array($0.rawValue.utf8) }
        _ = try await RegistryError.wrapping { try await index.setAccessRecord(Self.membersKind, "\(project)\u{0}\(user)", value) }
        await audit(AuditEvent(actor: actor.name, action: "member", detail: "\(user) in \(project): \(role?.rawValue ?? "removed")"))
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


    /// The role `user` holds in `project`, or nil.
    public func role(of user: String, in project: String) throws(RegistryError) -> ProjectRole? {
        guard let stored = try RegistryError.wrapping({ try index.accessRecord(Self.membersKind, "\(project)\u{0}\(user)") }) else { return nil }
        return ProjectRole(rawValue: String(decoding: stored, as: UTF8.self))
    }

    /// Whether `principal` may see project `name` (its repositories and what they hold): every
    /// project for administrators; a public project for anyone; a private one for its members.
    /// A name without a project record (repositories pushed in anonymous mode, or left by a
    /// removed project) is for administrators only, as `allowedActions` decides.
    public func maySee(project name: String, _ principal: Principal) throws(RegistryError) -> Bool {
        if principal.isAdmin { return true }
        guard let project = try project(name) else { return false }
        if project.isPublic { return true }
        guard let user = principal.name else { return false }
        return try role(of: user, in: name) != nil
    }
}
