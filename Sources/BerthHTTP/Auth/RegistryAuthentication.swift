import BerthEngine
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird

/// Authentication and authorization for the registry routes: the Docker registry token flow
/// (`WWW-Authenticate: Bearer realm=…` → `GET /token` → ES256 JWT), and Basic credentials
/// directly for simple clients.
public struct RegistryAuthentication: Sendable {
    /// The `service` of challenges and the `aud` of tokens.
    public let service: String
    /// How long an issued token is valid (the token spec asks for at least 60 s).
    public let tokenLifetime: Int64
    /// The key that signs and verifies tokens.
    public let signingKey: TokenSigningKey
    /// A bearer token that may read `/metrics` besides administrators (nil: administrators only).
    public let metricsToken: String?

    /// Authentication with a signing key; tokens live `tokenLifetime` seconds (at least 60).
    public init(signingKey: TokenSigningKey, service: String = "berth", tokenLifetime: Int64 = 300, metricsToken: String? = nil) {
        self.signingKey = signingKey
        self.service = service
        self.tokenLifetime = max(60, tokenLifetime)
        self.metricsToken = metricsToken
    }

    /// Who sent a request and, for a bearer token, exactly what it grants.
    public struct Identity: Sendable {
        /// The principal (anonymous when no credentials were sent).
        public let principal: Principal
        /// For bearer tokens, the granted scopes; nil for Basic credentials (roles apply directly).
        public let grantedScopes: [TokenScope]?
        /// Whether the request carried credentials at all.
        public let presentedCredentials: Bool

        /// Whether what was presented allows `action` on `repository` as far as a token goes: a
        /// token must grant it (by name, or `*`); Basic credentials and no credentials carry no
        /// scopes, so for them only the roles decide. Never consults the roles itself.
        public func tokenPermits(_ action: RepositoryAction, on repository: RepositoryName) -> Bool {
            guard let grantedScopes else { return true }
            return grantedScopes.contains { scope in
                scope.type == "repository" && scope.name == repository.value
                    && (scope.actions.contains(action.rawValue) || scope.actions.contains("*"))
            }
        }

        /// Whether this identity may do `action` on `repository`: what a token grants (nothing
        /// to check for Basic credentials) and what the account's roles allow now.
        public func allows(_ action: RepositoryAction, on repository: RepositoryName, access: AccessControl) throws -> Bool {
            // The scopes first: they cost no index read.
            guard tokenPermits(action, on: repository) else { return false }
            return try access.allowedActions(principal, on: repository).contains(action)
        }

        /// Whether this identity administers the registry: a system administrator, and for a
        /// token one carrying ``RegistryAuthentication/administrationScope`` (an administrator's
        /// token cached by `docker pull` must not create accounts, run GC or replace policies).
        public var administers: Bool {
            principal.isAdmin && tokenPermits(RegistryAuthentication.administrationScope)
        }

        /// Whether what was presented allows the registry-wide resource `scope` (e.g.
        /// ``RegistryAuthentication/administrationScope``) as far as a token goes: a token must
        /// carry it; Basic credentials and no credentials carry no scopes, so the roles decide.
        public func tokenPermits(_ scope: TokenScope) -> Bool {
            guard let grantedScopes else { return true }
            return grantedScopes.contains { $0.type == scope.type && $0.name == scope.name && $0.actions.contains("*") }
        }
    }

    /// `registry:admin:*`: what a bearer token must carry to use the admin API as a system
    /// administrator, or to read `/metrics`. The token endpoint grants it to administrators who
    /// ask for it and to nobody else, so a token cached for pulls and pushes (which asks only for
    /// repository scopes) cannot administer the registry even when its account could.
    public static let administrationScope = TokenScope(type: "registry", name: "admin", actions: ["*"])

    /// `registry:catalog:*`: what a bearer token must carry to list `/v2/_catalog`. The token
    /// endpoint grants it to signed-in accounts who ask for it.
    public static let catalogScope = TokenScope(type: "registry", name: "catalog", actions: ["*"])

    /// The identity of a request; throws a 401 for credentials that do not check out.
    func identity(of request: Request, access: AccessControl, challenge: @autoclosure () -> String) async throws -> Identity {
        guard let header = request.headers[.authorization] else {
            return Identity(principal: .anonymous, grantedScopes: nil, presentedCredentials: false)
        }
        if header.lowercased().hasPrefix("bearer ") {
            let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            // The engine's clock judges both the token's and the account's expiry.
            let now = access.clock.now()
            guard let claims = verify(token, now: now) else {
                throw unauthorized("the bearer token is invalid or expired", challenge: challenge())
            }
            // The account as it is now: a removed account's token is anonymous, an expired
            // robot's (or account's) token is refused like an expired token.
            let account = claims.sub.isEmpty ? nil : try access.account(claims.sub)
            if let expiresAt = account?.expiresAt, expiresAt <= now {
                throw unauthorized("the account \(claims.sub) has expired", challenge: challenge())
            }
            let principal = account.map(Principal.init) ?? .anonymous
            RequestAccount.current?.set(principal.name)
            return Identity(principal: principal, grantedScopes: claims.access, presentedCredentials: true)
        }
        if header.lowercased().hasPrefix("basic ") {
            guard let (name, password) = Self.basicCredentials(header),
                  let principal = await access.authenticate(name, password: password) else {
                throw unauthorized("invalid username or password", challenge: challenge())
            }
            RequestAccount.current?.set(principal.name)
            return Identity(principal: principal, grantedScopes: nil, presentedCredentials: true)
        }
        throw unauthorized("unsupported authorization scheme", challenge: challenge())
    }

    /// The claims of a token this registry issued, if its signature, audience and times check out.
    public func verify(_ token: String, now: Date = Date()) -> JSONWebToken.Claims? {
        guard let parsed = try? JSONWebToken(parsing: token), parsed.algorithm == "ES256",
              signingKey.verify(parsed.signature, message: parsed.signingInput) else { return nil }
        let seconds = Int64(now.timeIntervalSince1970)
        let claims = parsed.claims
        guard claims.aud == service, claims.iss == service, claims.exp > seconds, claims.nbf <= seconds + 30 else { return nil }
        return claims
    }

    /// Issues a token to `principal` granting `scopes`.
    public func issue(to principal: Principal, scopes: [TokenScope], now: Date = Date()) throws -> (token: String, expiresIn: Int64, issuedAt: Date) {
        let issued = Int64(now.timeIntervalSince1970)
        let claims = JSONWebToken.Claims(issuer: service, subject: principal.name ?? "", audience: service, issuedAt: issued,
                                         lifetime: tokenLifetime, id: UploadID.random().description, access: scopes)
        let input = try JSONWebToken.signingInput(claims: claims, keyID: signingKey.keyID)
        let signature = try signingKey.sign(Array(input.utf8))
        return (input + "." + JSONWebToken.base64URLEncode(signature), tokenLifetime, now)
    }

    /// `Bearer realm="…",service="…"[,scope="…"][,error="insufficient_scope"]`.
    func challenge(realm: String, scope: TokenScope?, insufficient: Bool = false) -> String {
        var value = #"Bearer realm="\#(realm)",service="\#(service)""#
        if let scope { value += #",scope="\#(scope)""# }
        if insufficient { value += #",error="insufficient_scope""# }
        return value
    }

    func unauthorized(_ message: String, challenge: String) -> OCIError {
        var error = OCIError("UNAUTHORIZED", .unauthorized, message)
        error.headers[.wwwAuthenticate] = challenge
        return error
    }

    /// The name and password of a `Basic` header.
    static func basicCredentials(_ header: String) -> (String, String)? {
        guard let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":") else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
