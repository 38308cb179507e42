import BerthEngine
import BerthRemote
import Foundation

/// Replication through the admin API (`--url`) or on the data root itself (`--root`, where a
/// run happens in this process, reaching the endpoints itself).
extension AdminBackend {
    /// The replication of a local root (its transport lives as long as the command).
    private func localReplicator(_ registry: FileRegistry) async throws -> Replicator<FileBlobStore> {
        try await Replicator(registry: registry, transport: LocalTransport.shared)
    }

    func replicationEndpoints() async throws -> [AdminModels.ReplicationEndpointView] {
        switch self {
        case .remote(let url, let authorization): try await request(url, authorization, "GET", "/admin/v1/replication/endpoints")
        case .local(let registry): try await localReplicator(registry).endpointViews()
        }
    }

    func setReplicationEndpoint(_ name: String, _ change: AdminModels.ReplicationEndpointChange) async throws -> AdminModels.ReplicationEndpointView {
        switch self {
        case .remote(let url, let authorization):
            return try await request(url, authorization, "PUT", "/admin/v1/replication/endpoints/\(name)", body: try JSONEncoder().encode(change))
        case .local(let registry):
            let replicator = try await localReplicator(registry)
            let endpoint = try await replicator.setEndpoint(change.endpoint(named: name), password: change.password, by: .local)
            return AdminModels.ReplicationEndpointView(endpoint: endpoint, hasPassword: replicator.hasSecret(name))
        }
    }

    func removeReplicationEndpoint(_ name: String) async throws {
        switch self {
        case .remote(let url, let authorization):
            let _: AdminModels.Removed = try await request(url, authorization, "DELETE", "/admin/v1/replication/endpoints/\(name)")
        case .local(let registry): try await localReplicator(registry).removeEndpoint(name, by: .local)
        }
    }

    func replicationRules() async throws -> [ReplicationRule] {
        switch self {
        case .remote(let url, let authorization): try await request(url, authorization, "GET", "/admin/v1/replication/rules")
        case .local(let registry): try await localReplicator(registry).settings.rules
        }
    }

    func setReplicationRule(_ rule: ReplicationRule) async throws -> ReplicationRule {
        switch self {
        case .remote(let url, let authorization):
            return try await request(url, authorization, "PUT", "/admin/v1/replication/rules/\(rule.name)", body: try JSONEncoder().encode(rule))
        case .local(let registry): return try await localReplicator(registry).setRule(rule, by: .local)
        }
    }

    func removeReplicationRule(_ name: String) async throws {
        switch self {
        case .remote(let url, let authorization):
            let _: AdminModels.Removed = try await request(url, authorization, "DELETE", "/admin/v1/replication/rules/\(name)")
        case .local(let registry): try await localReplicator(registry).removeRule(name, by: .local)
        }
    }

    /// Runs a rule, telling `progress` how it goes (checked about twice a second, told when it
    /// changed), and returns how it ended.
    func runReplication(_ rule: String, dryRun: Bool, progress: (ReplicationExecution) -> Void) async throws -> ReplicationExecution {
        switch self {
        case .remote(let url, let authorization):
            var execution: ReplicationExecution = try await request(url, authorization, "POST", "/admin/v1/replication/rules/\(rule)/run?dryRun=\(dryRun)")
            var told: ReplicationExecution?
            while execution.state == .running {
                if execution != told { progress(execution) }
                told = execution
                try await Task.sleep(for: .milliseconds(500))
                execution = try await request(url, authorization, "GET", "/admin/v1/replication/executions/\(execution.id)")
            }
            return execution
        case .local(let registry):
            let replicator = try await localReplicator(registry)
            var execution = try await replicator.start(rule: rule, dryRun: dryRun, by: .local)
            var told: ReplicationExecution?
            while execution.state == .running {
                if execution != told { progress(execution) }
                told = execution
                try await Task.sleep(for: .milliseconds(500))
                guard let current = try replicator.execution(execution.id) else { break }
                execution = current
            }
            return execution
        }
    }

    func replicationExecutions(rule: String?, limit: Int) async throws -> [ReplicationExecution] {
        switch self {
        case .remote(let url, let authorization):
            let filter = rule.map { "&rule=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" } ?? ""
            return try await request(url, authorization, "GET", "/admin/v1/replication/executions?n=\(limit)\(filter)")
        case .local(let registry): return try await localReplicator(registry).executions(rule: rule, limit: limit)
        }
    }

    func replicationTasks(_ execution: Int64) async throws -> [ReplicationTask] {
        switch self {
        case .remote(let url, let authorization): try await request(url, authorization, "GET", "/admin/v1/replication/executions/\(execution)/tasks")
        case .local(let registry): try await localReplicator(registry).tasks(of: execution)
        }
    }
}

/// The one transport of a CLI process that runs replication on a local root.
private enum LocalTransport {
    static let shared = HTTPReplicationTransport()
}
