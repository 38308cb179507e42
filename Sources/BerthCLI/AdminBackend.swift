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
    case remote(URL)
    case local(Registry)

    /// The backend the options name: `--url` when given, else `--root`.
    static func open(_ options: AdminOptions) async throws -> AdminBackend {
        if let url = options.url {
            guard let parsed = URL(string: url.hasSuffix("/") ? String(url.dropLast()) : url), parsed.scheme != nil else {
                throw CLIError("--url \(url) is not a URL like http://127.0.0.1:5000")
            }
            return .remote(parsed)
        }
        do {
            return .local(try await Registry.open(RegistryConfiguration(root: options.root)))
        } catch RegistryError.rootLocked(let message) {
            throw CLIError("\(message)\n(to manage a running server, pass --url http://HOST:PORT)")
        }
    }

    func close() async {
        if case .local(let registry) = self { await registry.close() }
    }

    func policies() async throws -> RegistryPolicies {
        switch self {
        case .remote(let url): try await request(url, "GET", "/admin/v1/policies")
        case .local(let registry): registry.policies
        }
    }

    func setPolicies(_ policies: RegistryPolicies) async throws -> RegistryPolicies {
        switch self {
        case .remote(let url):
            return try await request(url, "PUT", "/admin/v1/policies", body: try JSONEncoder().encode(policies))
        case .local(let registry):
            try await registry.setPolicies(policies)
            return registry.policies
        }
    }

    func artifacts(_ repository: RepositoryName) async throws -> [AdminModels.Artifact] {
        switch self {
        case .remote(let url): try await request(url, "GET", "/admin/v1/repositories/\(repository)/artifacts")
        case .local(let registry): try await registry.artifacts(in: repository).map(AdminModels.Artifact.init)
        }
    }

    func accessories(_ repository: RepositoryName, _ reference: Reference) async throws -> AdminModels.AccessoryTree {
        switch self {
        case .remote(let url):
            return try await request(url, "GET", "/admin/v1/repositories/\(repository)/accessories/\(reference)")
        case .local(let registry):
            let subject = switch reference {
            case .digest(let digest): digest
            case .tag: try registry.manifestRecord(reference, in: repository).digest
            }
            return AdminModels.AccessoryTree(
                repository: repository.value, subject: subject.description,
                signed: try registry.isSigned(subject, in: repository),
                accessories: try registry.accessories(of: .digest(subject), in: repository).map(AdminModels.Accessory.init))
        }
    }

    func delete(_ repository: RepositoryName, _ digest: Digest) async throws -> AdminModels.Removed {
        switch self {
        case .remote(let url): try await request(url, "DELETE", "/admin/v1/repositories/\(repository)/artifacts/\(digest)")
        case .local(let registry): AdminModels.Removed(removed: try await registry.deleteManifest(digest, in: repository).map(\.description))
        }
    }

    func collectGarbage(dryRun: Bool, untagged: Bool?) async throws -> GarbageCollector.Report {
        switch self {
        case .remote(let url):
            let flag = untagged.map { "&untagged=\($0)" } ?? ""
            return try await request(url, "POST", "/admin/v1/gc?dryRun=\(dryRun)\(flag)")
        case .local(let registry):
            var options = registry.policies.garbageCollection.options(dryRun: dryRun)
            if let untagged { options.collectUntagged = untagged }
            return try await GarbageCollector(registry: registry).run(options) { printError($0) }
        }
    }

    func runRetention(dryRun: Bool) async throws -> Registry.RetentionReport {
        switch self {
        case .remote(let url): try await request(url, "POST", "/admin/v1/retention?dryRun=\(dryRun)")
        case .local(let registry): try await registry.runRetention(dryRun: dryRun)
        }
    }

    /// One admin API call; a spec-format error body becomes a `CLIError` with its message.
    private func request<T: Decodable>(_ base: URL, _ method: String, _ path: String, body: Data? = nil) async throws -> T {
        guard let url = URL(string: base.absoluteString + path) else { throw CLIError("bad path \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else {
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
