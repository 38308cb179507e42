import BerthModel
import Foundation

/// Who may do what on which repository: the one place authorization is decided.
extension AccessControl {
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
        try await saveProject(name, isPublic: false, actor: .account(principal))
        if let user = principal.name, !principal.isAdmin {
            try await setMember(user, of: name, role: .admin, actor: .account(principal))
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

    /// A page of repository names from the index.
    private func catalog(after last: String?, limit: Int) throws(RegistryError) -> Page<RepositoryName> {
        try RegistryError.wrapping { try index.repositories(after: last, limit: limit) }
    }
}
