import BerthEngine
import BerthHTTP
import BerthModel
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Where an admin command acts: a running server's admin API (`--url`), or a data root opened
/// directly (`--root`, which needs the root unlocked, i.e. no server running on it).
enum AdminBackend {
    case remote(URL, authorization: String?)
    case local(FileRegistry)

    /// The backend the options name: `--url` when given, else `--root`.
    static func open(_ options: AdminOptions) async throws -> AdminBackend {
        if let url = options.url {
            guard let parsed = URL(string: url.hasSuffix("/") ? String(url.dropLast()) : url), parsed.scheme != nil else {
                throw CLIError("--url \(url) is not a URL like http://127.0.0.1:5000")
            }
            return .remote(parsed, authorization: options.basicAuthorization)
        }
        do {
            return .local(try await FileRegistry.open(RegistryConfiguration(root: options.root)))
        } catch RegistryError.rootLocked(let message) {
            throw CLIError("\(message)\n(to manage a running server, pass --url http://HOST:PORT)")
        }
    }

    func close() async {
        if case .local(let registry) = self { await registry.close() }
    }

    func policies() async throws -> RegistryPolicies {
        switch self {
        case .remote(let url, let authorization): try await request(url, authorization, "GET", "/admin/v1/policies")
        case .local(let registry): registry.policies
        }
    }

    func setPolicies(_ policies: RegistryPolicies) async throws -> RegistryPolicies {
        switch self {
        case .remote(let url, let authorization):
            return try await request(url, authorization, "PUT", "/admin/v1/policies", body: try JSONEncoder().encode(policies))
        case .local(let registry):
            return try await registry.administration.setPolicies(policies, by: .local)
        }
    }

    func artifacts(_ repository: RepositoryName) async throws -> [AdminModels.Artifact] {
        switch self {
        case .remote(let url, let authorization): try await request(url, authorization, "GET", "/admin/v1/repositories/\(repository)/artifacts")
        case .local(let registry): try await registry.administration.artifacts(in: repository)
        }
    }

    func accessories(_ repository: RepositoryName, _ reference: Reference) async throws -> AdminModels.AccessoryTree {
        switch self {
        case .remote(let url, let authorization):
            return try await request(url, authorization, "GET", "/admin/v1/repositories/\(repository)/accessories/\(reference)")
        case .local(let registry):
            return try registry.administration.accessoryTree(of: reference, in: repository)
        }
    }

    func deleteAccessory(_ repository: RepositoryName, _ reference: Reference, _ accessory: Digest) async throws -> AdminModels.Removed {
        switch self {
        case .remote(let url, let authorization):
            try await request(url, authorization, "DELETE", "/admin/v1/repositories/\(repository)/accessories/\(reference)/\(accessory)")
        case .local(let registry):
            try await registry.administration.deleteAccessory(accessory, of: reference, in: repository, by: .local)
        }
    }

    func delete(_ repository: RepositoryName, _ digest: Digest) async throws -> AdminModels.Removed {
        switch self {
        case .remote(let url, let authorization): try await request(url, authorization, "DELETE", "/admin/v1/repositories/\(repository)/artifacts/\(digest)")
        case .local(let registry): try await registry.administration.deleteArtifact(digest, in: repository, by: .local)
        }
    }

    func collectGarbage(dryRun: Bool, untagged: Bool?) async throws -> GarbageCollectionReport {
        switch self {
        case .remote(let url, let authorization):
            let flag = untagged.map { "&untagged=\($0)" } ?? ""
            return try await request(url, authorization, "POST", "/admin/v1/gc?dryRun=\(dryRun)\(flag)")
        case .local(let registry):
            return try await registry.administration.collectGarbage(dryRun: dryRun, untagged: untagged, by: .local) { printError($0) }
        }
    }

    func runRetention(dryRun: Bool) async throws -> RetentionReport {
        switch self {
        case .remote(let url, let authorization): try await request(url, authorization, "POST", "/admin/v1/retention?dryRun=\(dryRun)")
        case .local(let registry): try await registry.administration.runRetention(dryRun: dryRun, by: .local)
        }
    }

    // MARK: Docker Content Trust

    func trustRepositories() async throws -> [AdminModels.TrustRepository] {
        switch self {
        case .remote(let url, let authorization): try await request(url, authorization, "GET", "/admin/v1/trust")
        case .local(let registry): try registry.administration.trustRepositories()
        }
    }

    func trustRepository(_ gun: String) async throws -> AdminModels.TrustRepository {
        switch self {
        case .remote(let url, let authorization): try await request(url, authorization, "GET", "/admin/v1/trust/\(gun)")
        case .local(let registry): try registry.administration.trustRepository(gun)
        }
    }

    func deleteTrust(_ gun: String) async throws -> AdminModels.Removed {
        switch self {
        case .remote(let url, let authorization): try await request(url, authorization, "DELETE", "/admin/v1/trust/\(gun)")
        case .local(let registry): try await registry.administration.deleteTrust(gun, by: .local)
        }
    }

    // MARK: Accounts, projects, members, audit

    func accounts() async throws -> [AdminModels.Account] {
        switch self {
        case .remote(let url, let authorization): try await request(url, authorization, "GET", "/admin/v1/users")
        case .local(let registry): try registry.access.accountDocuments()
        }
    }

    func addAccount(_ new: AdminModels.NewAccount) async throws -> AdminModels.Account {
        switch self {
        case .remote(let url, let authorization):
            return try await request(url, authorization, "POST", "/admin/v1/users", body: try JSONEncoder().encode(new))
        case .local(let registry):
            return try await registry.access.addAccount(new, by: .local)
        }
    }

    func setPassword(_ name: String, _ password: String) async throws {
        switch self {
        case .remote(let url, let authorization):
            let _: AdminModels.Removed = try await request(url, authorization, "PUT", "/admin/v1/users/\(name)/password",
                                                           body: try JSONEncoder().encode(AdminModels.Value(password)))
        case .local(let registry): try await registry.access.setPassword(name, to: password)
        }
    }

    func removeAccount(_ name: String) async throws {
        switch self {
        case .remote(let url, let authorization):
            let _: AdminModels.Removed = try await request(url, authorization, "DELETE", "/admin/v1/users/\(name)")
        case .local(let registry): try await registry.access.removeAccount(name)
        }
    }

    func addRobot(_ name: String, days: Int) async throws -> AdminModels.Robot {
        switch self {
        case .remote(let url, let authorization):
            return try await request(url, authorization, "POST", "/admin/v1/robots",
                                     body: try JSONEncoder().encode(AdminModels.Robot(name: name, expiresInDays: days)))
        case .local(let registry):
            return try await registry.access.addRobot(name: name, days: days, by: .local)
        }
    }

    func projects() async throws -> [AdminModels.ProjectInfo] {
        switch self {
        case .remote(let url, let authorization): try await request(url, authorization, "GET", "/admin/v1/projects")
        case .local(let registry): try registry.access.projectDocuments()
        }
    }

    func saveProject(_ name: String, isPublic: Bool) async throws {
        switch self {
        case .remote(let url, let authorization):
            let _: AdminModels.ProjectInfo = try await request(url, authorization, "PUT", "/admin/v1/projects/\(name)",
                                                               body: try JSONEncoder().encode(AdminModels.Value(isPublic)))
        case .local(let registry): try await registry.access.saveProject(name, isPublic: isPublic)
        }
    }

    func removeProject(_ name: String) async throws {
        switch self {
        case .remote(let url, let authorization):
            let _: AdminModels.Removed = try await request(url, authorization, "DELETE", "/admin/v1/projects/\(name)")
        case .local(let registry): try await registry.access.removeProject(name)
        }
    }

    func setMember(_ user: String, of project: String, role: ProjectRole?) async throws {
        switch self {
        case .remote(let url, let authorization):
            if let role {
                let _: AdminModels.Removed = try await request(url, authorization, "PUT", "/admin/v1/projects/\(project)/members/\(user)",
                                                               body: try JSONEncoder().encode(AdminModels.Value(role.rawValue)))
            } else {
                let _: AdminModels.Removed = try await request(url, authorization, "DELETE", "/admin/v1/projects/\(project)/members/\(user)")
            }
        case .local(let registry): try await registry.access.setMember(user, of: project, role: role)
        }
    }

    func audit(limit: Int) async throws -> [AuditEvent] {
        switch self {
        case .remote(let url, let authorization): try await request(url, authorization, "GET", "/admin/v1/audit?n=\(limit)")
        case .local(let registry): try registry.administration.auditLog(limit: limit)
        }
    }

    /// One admin API call; a spec-format error body becomes a `CLIError` with its message.
    func request<T: Decodable>(_ base: URL, _ authorization: String?, _ method: String, _ path: String, body: Data? = nil) async throws -> T {
        guard let url = URL(string: base.absoluteString + path) else { throw CLIError("bad path \(path)") }
        var request = URLRequest(url: url)
        // A collection or a retention run answers when it is done, which on a large store takes
        // longer than URLSession's default minute.
        request.timeoutInterval = 24 * 3600
        request.httpMethod = method
        request.httpBody = body
        if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 || status == 202 else {
            if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
               let errors = object["errors"] as? [[String: Any]], let first = errors.first {
                throw CLIError("\(first["code"] ?? "ERROR"): \(first["message"] ?? "")")
            }
            throw CLIError("\(method) \(path) answered \(status)")
        }
        return try AdminModels.decoder().decode(T.self, from: data)
    }
}

/// An error the CLI prints as it is.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
