import BerthEngine
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird

/// `GET /token`: the token endpoint of the Docker registry token spec.
///
/// With Basic credentials (or none: anonymous), for every `scope` asked (repeated parameters
/// are honoured), the token grants the asked actions the caller's roles allow, and nothing
/// else; a scope with nothing allowed is left out. `registry:catalog:*` is granted to any
/// signed-in account that asks, `registry:admin:*` (the admin API and `/metrics`) to system
/// administrators that ask, and neither otherwise. The answer carries both `token` and
/// `access_token`, `expires_in` (at least 60 s) and `issued_at`.
extension RegistryRoutes {
    func issueToken(_ request: Request, _ authentication: RegistryAuthentication) async throws -> Response {
        var principal = Principal.anonymous
        if let header = request.headers[.authorization] {
            guard header.lowercased().hasPrefix("basic "), let (name, password) = RegistryAuthentication.basicCredentials(header),
                  let authenticated = await registry.access.authenticate(name, password: password) else {
                var error = OCIError("UNAUTHORIZED", .unauthorized, "invalid username or password")
                error.headers[.wwwAuthenticate] = #"Basic realm="\#(authentication.service)""#
                throw error
            }
            principal = authenticated
            RequestAccount.current?.set(authenticated.name)
        }
        if let service = request.uri.queryParameters["service"], service != authentication.service {
            throw OCIError("UNAUTHORIZED", .badRequest, "this registry issues tokens for service \(authentication.service), not \(service)")
        }
        var granted: [TokenScope] = []
        for text in request.uri.queryParameters.getAll("scope") {
            guard let scope = TokenScope(parsing: text) else { continue }
            switch scope.type {
            case "repository" where (try? RepositoryName(parsing: scope.name)) == nil:
                // A GUN (`<this registry's host>/<repository>`), as the notary client asks:
                // pull and push as the roles allow, `*` (a remote delete) for the delete right.
                guard let name = repository(ofGUN: scope.name, request) else { continue }
                let allowed = try registry.access.allowedActions(principal, on: name)
                let actions = scope.actions.filter { action in
                    action == "*" ? allowed.contains(.delete) : RepositoryAction(rawValue: action).map(allowed.contains) ?? false
                }
                if !actions.isEmpty { granted.append(TokenScope(type: "repository", name: scope.name, actions: actions)) }
            case "repository":
                guard let name = try? RepositoryName(parsing: scope.name) else { continue }
                let allowed = try registry.access.allowedActions(principal, on: name)
                let actions = scope.actions.contains("*") ? allowed.map(\.rawValue).sorted()
                    : scope.actions.filter { RepositoryAction(rawValue: $0).map(allowed.contains) ?? false }
                if !actions.isEmpty { granted.append(TokenScope(type: "repository", name: scope.name, actions: actions)) }
            case "registry" where scope.name == RegistryAuthentication.catalogScope.name && principal.name != nil:
                granted.append(RegistryAuthentication.catalogScope)
            // Only on request: tokens docker caches for pulls and pushes never carry it, so one
            // leaking cannot administer the registry.
            case "registry" where scope.name == RegistryAuthentication.administrationScope.name && principal.isAdmin:
                granted.append(RegistryAuthentication.administrationScope)
            default:
                continue
            }
        }
        let issued = try authentication.issue(to: principal, scopes: granted, now: registry.configuration.clock.now())
        let formatter = ISO8601DateFormatter()
        let body: [String: Any] = [
            "token": issued.token, "access_token": issued.token,
            "expires_in": issued.expiresIn, "issued_at": formatter.string(from: issued.issuedAt),
        ]
        return jsonResponse(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes]), contentType: "application/json")
    }
}
