import BerthModel
import Foundation

/// Accounts, robots and projects as the admin documents show them, for every admin caller.
extension AccessControl {
    /// Every account as listed (never its hash).
    public func accountDocuments() throws(RegistryError) -> [AdminModels.Account] {
        try accounts().map(AdminModels.Account.init)
    }

    /// Every project with its members.
    public func projectDocuments() throws(RegistryError) -> [AdminModels.ProjectInfo] {
        try projects().map { project throws(RegistryError) in
            AdminModels.ProjectInfo(name: project.name, public: project.isPublic,
                                    members: Dictionary(uniqueKeysWithValues: try members(of: project.name).map { ($0.user, $0.role.rawValue) }))
        }
    }

    /// Creates an account from its document.
    public func addAccount(_ new: AdminModels.NewAccount, by actor: AuditActor) async throws(RegistryError) -> AdminModels.Account {
        AdminModels.Account(try await addAccount(name: new.name, password: new.password, isAdmin: new.admin ?? false,
                                                 canCreateProjects: new.canCreateProjects ?? false, actor: actor))
    }

    /// A robot that expires `days` from now (by the registry's clock), with its secret, once.
    public func addRobot(name: String, days: Int, by actor: AuditActor) async throws(RegistryError) -> AdminModels.Robot {
        let made = try await addRobot(name: name, expiresAt: clock.now().addingTimeInterval(Double(days) * 86_400), actor: actor)
        return AdminModels.Robot(name: made.account.name, secret: made.secret, expiresAt: made.account.expiresAt)
    }
}
