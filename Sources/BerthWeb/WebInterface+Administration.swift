import BerthEngine
import BerthModel
import Foundation
import Hummingbird

/// The pages of system administrators: the registry's policies (rules, GC settings, trusted
/// keys), GC and retention with a dry run first, replication, the audit log. In the
/// anonymous mode everyone administers, as the admin API allows.
extension WebInterface {
    private func requireAdministrator(_ web: WebRequest) throws {
        guard web.viewer.administers else {
            throw web.viewer.isSignedIn || !requiresAccounts ? WebProblem.forbidden : WebProblem(status: .unauthorized, heading: "Sign in",
                                                                                            message: "Sign in as a system administrator to see this page.")
        }
    }

    func registryRequest(_ parts: [String], post: Bool, _ web: inout WebRequest) async throws -> Response {
        try requireAdministrator(web)
        ensureSession(&web)
        let administration = registry.administration
        let dryRun = web.query["dryRun"] == "true"
        switch (post, parts.first) {
        case (false, nil):
            return registryPage(web, policies: administration.policies(), problem: nil)
        case (true, "policies"):
            let text = web.form["policies"] ?? ""
            let policies: RegistryPolicies
            do {
                policies = try AdminModels.decoder().decode(RegistryPolicies.self, from: Data(text.utf8))
            } catch {
                return registryPage(web, text: text, problem: "The document is not a valid policy document: \(error)", status: .badRequest)
            }
            do {
                _ = try await administration.setPolicies(policies, by: web.viewer.actor)
            } catch {
                return registryPage(web, text: text, problem: error.description, status: .badRequest)
            }
            return WebResponses.redirect("/registry?done=policies-saved")
        case (true, "gc"):
            let report = try await administration.collectGarbage(dryRun: dryRun, by: web.viewer.actor)
            let items = report.manifests.map { ["what": $0, "where": "manifest", "size": ""] }
                + report.blobs.map { ["what": $0, "where": "blob", "size": ""] }
            let summary = "\(report.manifests.count) manifests (\(WebFormat.size(report.manifestBytes))), \(report.blobLinks.count) blob links and \(report.blobs.count) blobs (\(WebFormat.size(report.blobBytes)))"
            return reportPage(web, heading: dryRun ? "Garbage collection: dry run" : "Garbage collection done",
                              summary: (dryRun ? "Would remove " : "Removed ") + summary + ".", items: items,
                              runAction: dryRun ? "/registry/gc" : nil, runLabel: "Collect garbage now")
        case (true, "retention"):
            let report = try await administration.runRetention(dryRun: dryRun, by: web.viewer.actor)
            let items = report.tags.map { ["what": $0, "where": "tag", "size": ""] } + report.manifests.map { ["what": $0, "where": "manifest", "size": ""] }
            let summary = "\(report.tags.count) tags and \(report.manifests.count) manifests; \(report.protected.count) protected by immutability"
            return reportPage(web, heading: dryRun ? "Retention: dry run" : "Retention done", summary: (dryRun ? "Would remove " : "Removed ") + summary + ".",
                              items: items, runAction: dryRun ? "/registry/retention" : nil, runLabel: "Apply retention now")
        default:
            throw WebProblem.notFound
        }
    }

    private func registryPage(_ web: WebRequest, policies: RegistryPolicies? = nil, text: String? = nil, problem: String?,
                              status: HTTPResponse.Status = .ok) -> Response {
        var document = text ?? ""
        if let policies, let data = try? AdminModels.encoder().encode(policies) { document = String(decoding: data, as: UTF8.self) }
        var values: [String: Any] = ["policies": document]
        if let problem { values["problem"] = problem }
        return render("registry", values, web, status: status)
    }

    private func reportPage(_ web: WebRequest, heading: String, summary: String, items: [[String: String]], runAction: String?, runLabel: String) -> Response {
        var values: [String: Any] = ["heading": heading, "summary": summary, "items": Array(items.prefix(500)), "runLabel": runLabel]
        if items.count > 500 { values["moreItems"] = "and \(items.count - 500) more" }
        if let runAction { values["runAction"] = runAction }
        return render("report", values, web)
    }

    func auditPage(_ web: WebRequest) throws -> Response {
        try requireAdministrator(web)
        let page = try registry.access.auditPage(before: web.query["before"], limit: Self.pageSize)
        let rows: [[String: Any]] = page.events.map { event in
            ["time": WebFormat.time(event.time), "actor": event.actor, "action": event.action,
             "repository": event.repository ?? "", "digest": event.digest ?? "", "detail": event.detail ?? ""]
        }
        var values: [String: Any] = ["events": rows]
        if let next = page.next { values["next"] = "/audit?before=" + next }
        if web.query["before"] != nil { values["first"] = true }
        return render("audit", values, web)
    }

    func replicationRequest(_ parts: [String], post: Bool, _ web: inout WebRequest) async throws -> Response {
        try requireAdministrator(web)
        ensureSession(&web)
        guard let replication else { return render("replication", ["enabled": false], web) }
        switch (post, parts.count, parts.first) {
        case (false, 0, _):
            let settings = replication.settings
            let endpoints: [[String: Any]] = settings.endpoints.map { endpoint in
                ["name": endpoint.name, "url": endpoint.baseURL,
                 "credentials": endpoint.username.map { "\($0)" + (replication.hasSecret(endpoint.name) ? " (password set)" : "") } ?? "none"]
            }
            let rules: [[String: Any]] = settings.rules.map { rule in
                ["name": rule.name, "direction": rule.mode.rawValue, "endpoint": rule.endpoint, "repositories": rule.repositories.description,
                 "trigger": rule.trigger.kind.rawValue + (rule.enabled ? "" : " (disabled)"),
                 "runAction": "/replication/rules/" + WebFormat.escapePath(rule.name) + "/run"]
            }
            let executions: [[String: Any]] = try replication.executions(limit: Self.pageSize).map { execution in
                ["id": execution.id, "href": "/replication/executions/\(execution.id)", "rule": execution.rule, "trigger": execution.trigger,
                 "started": WebFormat.time(execution.startedAt), "state": execution.state.rawValue, "tasks": execution.tasks,
                 "failed": execution.failed, "bytes": WebFormat.size(execution.bytes)]
            }
            return render("replication", ["enabled": true, "endpoints": endpoints, "rules": rules, "executions": executions], web)
        case (false, 2, "executions"):
            guard let id = Int64(parts[1]), let execution = try replication.execution(id) else { throw WebProblem.notFound }
            let tasks: [[String: Any]] = try replication.tasks(of: id).map { task in
                ["number": task.id, "artifact": "\(task.repository)@\(task.digest)", "state": task.state.rawValue, "attempts": task.attempts,
                 "bytes": WebFormat.size(task.bytes), "error": task.error ?? ""]
            }
            return render("execution", ["id": execution.id, "rule": execution.rule, "state": execution.state.rawValue, "trigger": execution.trigger,
                                        "started": WebFormat.time(execution.startedAt), "tasks": tasks], web)
        case (true, 3, "rules") where parts[2] == "run":
            _ = try await replication.start(rule: parts[1], by: web.viewer.actor)
            return WebResponses.redirect("/replication?done=run-started")
        default:
            throw WebProblem.notFound
        }
    }
}
