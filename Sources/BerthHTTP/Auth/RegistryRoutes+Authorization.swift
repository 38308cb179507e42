import BerthEngine
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird

/// Who may call which endpoint.
extension RegistryRoutes {
    /// The realm of challenges: the token endpoint, absolute.
    func realm(_ request: Request) -> String {
        let base = base(request)
        if !base.isEmpty { return "\(base)/token" }
        let host = request.head.authority ?? "127.0.0.1"
        return "\(options.scheme)://\(host)/token"
    }

    /// The identity of the request, or anonymous when authentication is off.
    func identity(_ request: Request, scope: TokenScope?) async throws -> RegistryAuthentication.Identity? {
        guard let authentication = options.authentication else { return nil }
        return try await authentication.identity(of: request, access: registry.access,
                                                 challenge: authentication.challenge(realm: realm(request), scope: scope))
    }

    /// The principal the request runs as, after checking it may do `action` on `repository`;
    /// nil when authentication is off. Refusals follow the token spec: no credentials → 401 with
    /// a challenge naming the scope; a token lacking the action → 401 `insufficient_scope`;
    /// Basic credentials lacking the role → 403 `DENIED`.
    @discardableResult
    func authorize(_ request: Request, _ action: RepositoryAction, on repository: RepositoryName) async throws -> Principal? {
        try await authorizedIdentity(request, action, on: repository)?.principal
    }

    /// As ``authorize(_:_:on:)``, but the whole identity: handlers that decide more than the
    /// endpoint's own action (a mount's source, the signed-only exemption) need the token's
    /// scopes, not only the account.
    func authorizedIdentity(_ request: Request, _ action: RepositoryAction,
                            on repository: RepositoryName) async throws -> RegistryAuthentication.Identity? {
        let scope = TokenScope(type: "repository", name: repository.value, actions: [action.rawValue])
        guard let identity = try await identity(request, scope: scope), let authentication = options.authentication else { return nil }
        if try allows(identity, action, on: repository) { return identity }
        if !identity.presentedCredentials {
            throw authentication.unauthorized("authentication required", challenge: authentication.challenge(realm: realm(request), scope: scope))
        }
        if identity.grantedScopes != nil {
            throw authentication.unauthorized("the token does not grant \(action.rawValue) on \(repository)",
                                              challenge: authentication.challenge(realm: realm(request), scope: scope, insufficient: true))
        }
        throw OCIError("DENIED", .forbidden, "\(identity.principal.displayName) may not \(action.rawValue) \(repository)")
    }

    /// Whether an identity may do `action` (a token: what it grants and what the roles still allow).
    func allows(_ identity: RegistryAuthentication.Identity, _ action: RepositoryAction, on repository: RepositoryName) throws -> Bool {
        try identity.allows(action, on: repository, access: registry.access)
    }

    /// `/v2/` with authentication on: any valid credentials, or a token (even anonymous); none → 401.
    func authorizeBase(_ request: Request) async throws {
        guard let identity = try await identity(request, scope: nil), let authentication = options.authentication else { return }
        if !identity.presentedCredentials {
            throw authentication.unauthorized("authentication required", challenge: authentication.challenge(realm: realm(request), scope: nil))
        }
    }
}
