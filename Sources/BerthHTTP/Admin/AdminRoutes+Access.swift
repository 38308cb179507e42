import BerthEngine
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird

extension AdminRoutes {
    /// `users…`, `robots`, `projects…`; nil when the path is none of them.
    func accessRequest(_ request: Request, _ parts: [String]) async throws -> Response? {
        guard let first = parts.first, ["users", "robots", "projects"].contains(first) else { return nil }
        let actor = try await authorizeAdministrator(request)
        switch (request.method, first, parts.count) {
        case (.get, "users", 1):
            return json(try registry.access.accountDocuments())
        case (.post, "users", 1):
            let new = try await decodeBody(AdminModels.NewAccount.self, from: request)
            return json(try await registry.access.addAccount(new, by: .caller(actor)))
        case (.put, "users", 3) where parts[2] == "password":
            let password = try await decodeBody(AdminModels.Value<String>.self, from: request).value
            try await registry.access.setPassword(parts[1], to: password, actor: .caller(actor))
            return json(AdminModels.Removed(removed: []))
        case (.delete, "users", 2):
            try await registry.access.removeAccount(parts[1], actor: .caller(actor))
            return json(AdminModels.Removed(removed: [parts[1]]))
        case (.post, "robots", 1):
            let asked = try await decodeBody(AdminModels.Robot.self, from: request)
            return json(try await registry.access.addRobot(name: asked.name, days: asked.expiresInDays ?? 30, by: .caller(actor)))
        case (.get, "projects", 1):
            return json(try registry.access.projectDocuments())
        case (.put, "projects", 2):
            let isPublic = try await decodeBody(AdminModels.Value<Bool>.self, from: request).value
            let project = try await registry.access.saveProject(parts[1], isPublic: isPublic, actor: .caller(actor))
            return json(AdminModels.ProjectInfo(name: project.name, public: project.isPublic, members: [:]))
        case (.delete, "projects", 2):
            try await registry.access.removeProject(parts[1], actor: .caller(actor))
            return json(AdminModels.Removed(removed: [parts[1]]))
        case (.put, "projects", 4) where parts[2] == "members":
            let text = try await decodeBody(AdminModels.Value<String>.self, from: request).value
            guard let role = ProjectRole(rawValue: text) else { throw OCIError("INVALID_POLICY", .badRequest, "role must be guest, developer, maintainer or admin") }
            try await registry.access.setMember(parts[3], of: parts[1], role: role, actor: .caller(actor))
            return json(AdminModels.Removed(removed: []))
        case (.delete, "projects", 4) where parts[2] == "members":
            try await registry.access.setMember(parts[3], of: parts[1], role: nil, actor: .caller(actor))
            return json(AdminModels.Removed(removed: [parts[3]]))
        default:
            throw OCIError.notFound
        }
    }
}
