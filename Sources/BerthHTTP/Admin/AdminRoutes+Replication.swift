import BerthEngine
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird

extension AdminRoutes {
    /// `replication/endpoints[/<name>]`, `replication/rules[/<name>[/run]]`,
    /// `replication/executions[/<id>[/tasks]]`, for system administrators; nil when the path is
    /// not under `replication`. A thin mapping onto `Replicator`, which validates and audits.
    func replicationRequest(_ request: Request, _ parts: [String]) async throws -> Response? {
        guard parts.first == "replication" else { return nil }
        let actor = try await authorizeAdministrator(request)
        guard let replication else { throw OCIError("NOT_FOUND", .notFound, "replication is not enabled on this server") }
        let query = request.uri.queryParameters
        switch (request.method, parts.count > 1 ? parts[1] : "", parts.count) {
        case (.get, "endpoints", 2):
            return json(replication.endpointViews())
        case (.get, "endpoints", 3):
            guard let view = replication.endpointViews().first(where: { $0.endpoint.name == parts[2] }) else { throw Self.unknown("endpoint", parts[2]) }
            return json(view)
        case (.put, "endpoints", 3):
            let change = try await decodeBody(AdminModels.ReplicationEndpointChange.self, from: request)
            let endpoint = try await replication.setEndpoint(change.endpoint(named: parts[2]), password: change.password, by: .caller(actor))
            return json(AdminModels.ReplicationEndpointView(endpoint: endpoint, hasPassword: replication.hasSecret(endpoint.name)))
        case (.delete, "endpoints", 3):
            try await replication.removeEndpoint(parts[2], by: .caller(actor))
            return json(AdminModels.Removed(removed: [parts[2]]))
        case (.get, "rules", 2):
            return json(replication.settings.rules)
        case (.get, "rules", 3):
            guard let rule = replication.settings.rule(parts[2]) else { throw Self.unknown("rule", parts[2]) }
            return json(rule)
        case (.put, "rules", 3):
            var rule = try await decodeBody(ReplicationRule.self, from: request)
            guard rule.name == parts[2] || rule.name.isEmpty else {
                throw OCIError("INVALID_POLICY", .badRequest, "name: the document names \(rule.name), the path \(parts[2])")
            }
            rule.name = parts[2]
            return json(try await replication.setRule(rule, by: .caller(actor)))
        case (.delete, "rules", 3):
            try await replication.removeRule(parts[2], by: .caller(actor))
            return json(AdminModels.Removed(removed: [parts[2]]))
        case (.post, "rules", 4) where parts[3] == "run":
            let dryRun = query["dryRun"].map { $0 == "true" || $0 == "1" } ?? false
            if query["wait"].map({ $0 == "true" || $0 == "1" }) ?? false {
                return json(try await replication.run(rule: parts[2], dryRun: dryRun, by: .caller(actor)))
            }
            var response = json(try await replication.start(rule: parts[2], dryRun: dryRun, by: .caller(actor)))
            response.status = .accepted
            return response
        case (.get, "executions", 2):
            let limit = query["n"].flatMap { Int($0) } ?? 50
            return json(try replication.executions(rule: query["rule"].map(String.init), limit: max(1, min(limit, 1000))))
        case (.get, "executions", 3):
            guard let id = Int64(parts[2]), let execution = try replication.execution(id) else { throw Self.unknown("execution", parts[2]) }
            return json(execution)
        case (.get, "executions", 4) where parts[3] == "tasks":
            guard let id = Int64(parts[2]), try replication.execution(id) != nil else { throw Self.unknown("execution", parts[2]) }
            return json(try replication.tasks(of: id))
        default:
            throw OCIError.notFound
        }
    }

    private static func unknown(_ kind: String, _ name: String) -> OCIError {
        OCIError("NOT_FOUND", .notFound, "no replication \(kind) \(name.debugDescription)")
    }
}
