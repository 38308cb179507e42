import BerthEngine
import BerthHTTP
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// A server with authentication on and a cast: admin (administrator), alice (developer of
/// `team`), bob (guest of `team`), carol (no role), a public project `pub`.
func withAuthServer<T: Sendable>(clock: any RegistryClock = SystemClock(), configure: (inout RegistryRoutesOptions) -> Void = { _ in },
                                 _ body: @Sendable (any TestClientProtocol, FileRegistry, RegistryAuthentication) async throws -> T) async throws -> T {
    let root = NSTemporaryDirectory() + "berth-auth-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: root) }
    // No minimum body rate: a loaded machine may stall a test's small body for longer than the grace.
    let exposition = PrometheusExposition()
    let registry = try await FileRegistry.open(RegistryConfiguration(root: root, ioThreads: 4, mapSize: 1 << 30, minimumBodyRate: nil, clock: clock,
                                                                     metricsFactory: exposition.factory))
    let authentication = RegistryAuthentication(signingKey: try TokenSigningKey(privateKeyPEM: try TokenSigningKey.generatePEM()),
                                                metricsToken: "scrape-me")
    do {
        _ = try await registry.access.addAccount(name: "admin", password: "admin-password", isAdmin: true, canCreateProjects: true)
        for name in ["alice", "bob", "carol"] { _ = try await registry.access.addAccount(name: name, password: "\(name)-password") }
        try await registry.access.saveProject("team", isPublic: false)
        try await registry.access.saveProject("pub", isPublic: true)
        try await registry.access.setMember("alice", of: "team", role: .developer)
        try await registry.access.setMember("bob", of: "team", role: .guest)
        var options = RegistryRoutesOptions(authentication: authentication)
        configure(&options)
        let app = Application(router: RegistryServer.router(registry: registry, options: options, exposition: exposition),
                              configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)))
        let result = try await app.test(.live) { client in try await body(client, registry, authentication) }
        await registry.close()
        return result
    } catch {
        await registry.close()
        throw error
    }
}

func basic(_ user: String, _ password: String? = nil) -> HTTPFields {
    [.authorization: "Basic " + Data("\(user):\(password ?? "\(user)-password")".utf8).base64EncodedString()]
}

func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

/// A token for `scopes` from the token endpoint, as `user` (nil: anonymous).
func token(_ client: any TestClientProtocol, _ user: String?, _ scopes: [String]) async throws -> String {
    let query = scopes.map { "scope=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" }.joined(separator: "&")
    let response = try await client.execute(uri: "/token?service=berth&\(query)", method: .get, headers: user.map { basic($0) } ?? [:])
    #expect(response.status == .ok)
    return try #require(response.json?["token"] as? String)
}

/// Pushes a blob with the given headers; returns the status.
func pushBlobStatus(_ client: any TestClientProtocol, _ name: String, headers: HTTPFields) async throws -> HTTPResponse.Status {
    let content = bytes(100, seed: 9)
    var fields = headers
    fields[.contentLength] = "100"
    return try await client.execute(uri: "/v2/\(name)/blobs/uploads/?digest=\(sha256(content))", method: .post,
                                    headers: fields, body: ByteBuffer(bytes: content)).status
}

@Suite struct TokenFlowTests {
    @Test func anUnauthenticatedRequestGetsABearerChallengeNamingTheScope() async throws {
        try await withAuthServer { client, _, _ async throws in
            let base = try await client.execute(uri: "/v2/", method: .get)
            #expect(base.status == .unauthorized)
            #expect(base.header("WWW-Authenticate")?.hasPrefix(#"Bearer realm="http://"#) == true)
            let pull = try await client.execute(uri: "/v2/team/app/manifests/v1", method: .get)
            #expect(pull.status == .unauthorized)
            #expect(pull.errorCode == "UNAUTHORIZED")
            #expect(pull.header("WWW-Authenticate")?.hasSuffix(#"service="berth",scope="repository:team/app:pull""#) == true)
        }
    }

    @Test func theTokenEndpointGrantsOnlyWhatTheRolesAllowAmongWhatWasAsked() async throws {
        try await withAuthServer { client, _, authentication async throws in
            let response = try await client.execute(uri: "/token?service=berth&scope=repository:team/app:pull,push,delete&scope=repository:other/x:pull",
                                                    method: .get, headers: basic("alice"))
            #expect(response.status == .ok)
            let token = try #require(response.json?["token"] as? String)
            #expect(response.json?["access_token"] as? String == token)
            #expect((response.json?["expires_in"] as? Int ?? 0) >= 60)
            #expect(response.json?["issued_at"] != nil)
            let claims = try #require(authentication.verify(token))
            #expect(claims.sub == "alice")
            #expect(claims.access == [TokenScope(type: "repository", name: "team/app", actions: ["pull", "push"])])
        }
    }

    @Test func aTokenPushesAndPullsWhatItGrants() async throws {
        try await withAuthServer { client, _, _ async throws in
            let granted = try await token(client, "alice", ["repository:team/app:pull,push"])
            #expect(try await pushBlobStatus(client, "team/app", headers: bearer(granted)) == .created)
            let base = try await client.execute(uri: "/v2/", method: .get, headers: bearer(granted))
            #expect(base.status == .ok)
        }
    }

    @Test func aTokenLackingAnActionGetsInsufficientScope() async throws {
        try await withAuthServer { client, _, _ async throws in
            let pullOnly = try await token(client, "alice", ["repository:team/app:pull"])
            let content = bytes(10)
            let response = try await client.execute(uri: "/v2/team/app/blobs/uploads/?digest=\(sha256(content))", method: .post,
                                                    headers: bearer(pullOnly), body: ByteBuffer(bytes: content))
            #expect(response.status == .unauthorized)
            #expect(response.header("WWW-Authenticate")?.contains(#"scope="repository:team/app:push",error="insufficient_scope""#) == true)
        }
    }

    @Test func aTokenForOneRepositoryDoesNotOpenAnother() async throws {
        try await withAuthServer { client, _, _ async throws in
            let granted = try await token(client, "alice", ["repository:team/app:pull,push"])
            #expect(try await pushBlobStatus(client, "team/other", headers: bearer(granted)) == .unauthorized)
        }
    }

    @Test func tamperedExpiredWrongAudienceAndForeignTokensAreRefused() async throws {
        try await withAuthServer { client, _, authentication async throws in
            let good = try await token(client, "alice", ["repository:team/app:pull,push"])
            var parts = good.split(separator: ".").map(String.init)
            // Tampered: claims changed to grant carol's name, signature kept.
            let claims = try #require(JSONWebToken.base64URLDecode(parts[1]))
            let forged = String(decoding: claims, as: UTF8.self).replacingOccurrences(of: "alice", with: "admin")
            parts[1] = JSONWebToken.base64URLEncode(Array(forged.utf8))
            let tampered = parts.joined(separator: ".")
            let now = Int64(Date().timeIntervalSince1970)
            func signed(_ claims: JSONWebToken.Claims, with key: TokenSigningKey) throws -> String {
                let input = try JSONWebToken.signingInput(claims: claims, keyID: key.keyID)
                return input + "." + JSONWebToken.base64URLEncode(try key.sign(Array(input.utf8)))
            }
            let scope = [TokenScope(type: "repository", name: "team/app", actions: ["pull", "push"])]
            let expired = try signed(JSONWebToken.Claims(issuer: "berth", subject: "alice", audience: "berth", issuedAt: now - 1000,
                                                         lifetime: 60, id: "x", access: scope), with: authentication.signingKey)
            let wrongAudience = try signed(JSONWebToken.Claims(issuer: "berth", subject: "alice", audience: "elsewhere", issuedAt: now,
                                                               lifetime: 300, id: "y", access: scope), with: authentication.signingKey)
            let foreignKey = try TokenSigningKey(privateKeyPEM: try TokenSigningKey.generatePEM())
            let foreign = try signed(JSONWebToken.Claims(issuer: "berth", subject: "alice", audience: "berth", issuedAt: now,
                                                         lifetime: 300, id: "z", access: scope), with: foreignKey)
            for bad in [tampered, expired, wrongAudience, foreign, "not.a.token", "garbage"] {
                #expect(try await pushBlobStatus(client, "team/app", headers: bearer(bad)) == .unauthorized, "\(bad.prefix(20))")
            }
        }
    }

    @Test func wrongBasicCredentialsAtTheTokenEndpointAre401AndAudited() async throws {
        try await withAuthServer { client, registry, _ async throws in
            let response = try await client.execute(uri: "/token?service=berth&scope=repository:team/app:pull", method: .get,
                                                    headers: basic("alice", "wrong"))
            #expect(response.status == .unauthorized)
            #expect(try registry.access.auditLog().contains { $0.action == "login-failed" && $0.actor == "alice" })
        }
    }

    @Test func anonymousTokensGrantPullOnPublicProjectsOnly() async throws {
        try await withAuthServer { client, _, authentication async throws in
            let anonymous = try await token(client, nil, ["repository:pub/app:pull,push", "repository:team/app:pull"])
            let claims = try #require(authentication.verify(anonymous))
            #expect(claims.access == [TokenScope(type: "repository", name: "pub/app", actions: ["pull"])])
        }
    }
}

@Suite struct AuthorizationMatrixTests {
    /// Every principal × action × project, over Basic credentials straight to the API.
    @Test(arguments: [
        // (user, repository, action, allowed)
        ("alice", "team/app", "push", true), ("alice", "team/app", "pull", true), ("alice", "team/app", "delete", false),
        ("bob", "team/app", "pull", true), ("bob", "team/app", "push", false),
        ("carol", "team/app", "pull", false), ("carol", "pub/app", "pull", true), ("carol", "pub/app", "push", false),
        ("admin", "team/app", "delete", true), ("admin", "newproject/app", "push", true),
        ("alice", "newproject/app", "push", false), ("anonymous", "pub/app", "pull", true), ("anonymous", "team/app", "pull", false),
    ])
    func rolesDecideExactly(user: String, repository: String, action: String, allowed: Bool) async throws {
        try await withAuthServer { client, registry, _ async throws in
            // Something to pull and delete.
            let content = bytes(64, seed: 3)
            let digest = sha256(content)
            _ = try await registry.pushBlob(to: try RepositoryName(parsing: repository), digest: digest, bytes: content)
            let headers: HTTPFields = user == "anonymous" ? [:] : basic(user)
            let status: HTTPResponse.Status
            switch action {
            case "pull": status = try await client.execute(uri: "/v2/\(repository)/blobs/\(digest)", method: .get, headers: headers).status
            case "push": status = try await pushBlobStatus(client, repository, headers: headers)
            default: status = try await client.execute(uri: "/v2/\(repository)/blobs/\(digest)", method: .delete, headers: headers).status
            }
            if allowed {
                #expect(status.code < 300, "\(user) \(action) \(repository): \(status)")
            } else {
                #expect(status == .unauthorized || status == .forbidden, "\(user) \(action) \(repository): \(status)")
            }
        }
    }

    /// Robots, referrers, accessories and GC by role.
    @Test(arguments: [
        ("robot", "pull", true), ("robot", "push", false), ("bob", "referrers", true), ("carol", "referrers", false),
        ("bob", "accessories", true), ("carol", "accessories", false), ("alice", "gc", false), ("admin", "gc", true),
        ("anonymous", "referrers", false),
    ])
    func robotsReferrersAccessoriesAndGCFollowTheRoles(user: String, action: String, allowed: Bool) async throws {
        try await withAuthServer { client, registry, _ async throws in
            let robot = try await registry.access.addRobot(name: "ci", expiresAt: Date().addingTimeInterval(3600))
            try await registry.access.setMember(robot.account.name, of: "team", role: .guest)
            let image = try await pushImageBlobs(client, "team/app", seed: 8, headers: basic("admin"))
            _ = try await putManifest(client, "team/app", "v1", image.bytes, headers: basic("admin"))
            let headers: HTTPFields = switch user {
            case "anonymous": [:]
            case "robot": basic(robot.account.name, robot.secret)
            default: basic(user)
            }
            let status: HTTPResponse.Status = switch action {
            case "pull": try await client.execute(uri: "/v2/team/app/manifests/v1", method: .get, headers: headers).status
            case "push": try await pushBlobStatus(client, "team/app", headers: headers)
            case "referrers": try await client.execute(uri: "/v2/team/app/referrers/\(image.digest)", method: .get, headers: headers).status
            case "accessories": try await client.execute(uri: "/admin/v1/repositories/team/app/accessories/v1", method: .get, headers: headers).status
            default: try await client.execute(uri: "/admin/v1/gc?dryRun=true", method: .post, headers: headers).status
            }
            #expect(allowed ? status.code < 300 : [401, 403].contains(status.code), "\(user) \(action): \(status)")
        }
    }

    @Test func anExpiredRobotCannotSignIn() async throws {
        try await withAuthServer { client, registry, _ async throws in
            let robot = try await registry.access.addRobot(name: "old", expiresAt: Date().addingTimeInterval(-1))
            try await registry.access.setMember(robot.account.name, of: "team", role: .guest)
            let response = try await client.execute(uri: "/v2/team/app/tags/list", method: .get, headers: basic(robot.account.name, robot.secret))
            #expect(response.status == .unauthorized)
        }
    }

    @Test func aRobotsTokenStopsWorkingWhenTheRobotExpires() async throws {
        // The registry's clock, not the wall clock, judges the expiry: however long bcrypt
        // takes on a loaded machine, the robot is valid until the test moves the clock.
        let clock = ManualClock()
        try await withAuthServer(clock: clock) { client, registry, authentication async throws in
            let robot = try await registry.access.addRobot(name: "ci", expiresAt: clock.now().addingTimeInterval(6))
            try await registry.access.setMember(robot.account.name, of: "team", role: .developer)
            // A token issued while the robot was valid, presented after it expired.
            let principal = try #require(await registry.access.authenticate(robot.account.name, password: robot.secret))
            let issued = try authentication.issue(to: principal, scopes: [TokenScope(type: "repository", name: "team/app", actions: ["pull"])],
                                                  now: clock.now())
            #expect(try await client.execute(uri: "/v2/team/app/tags/list", method: .get, headers: bearer(issued.token)).status == .notFound)
            // Past the robot's expiry, well within the token's own lifetime (300 s).
            clock.advance(by: 6.3)
            #expect(try await client.execute(uri: "/v2/team/app/tags/list", method: .get, headers: bearer(issued.token)).status == .unauthorized)
        }
    }

    @Test func repositoriesOfARemovedProjectAreNotHandedToWhoeverCreatesItAgain() async throws {
        try await withAuthServer { client, registry, _ async throws in
            _ = try await registry.access.addAccount(name: "dave", password: "dave-password", canCreateProjects: true)
            let image = try await pushImageBlobs(client, "team/app", seed: 7, headers: basic("alice"))
            _ = try await putManifest(client, "team/app", "v1", image.bytes, headers: basic("alice"))
            try await registry.access.removeProject("team")
            // dave may create projects, but `team` still holds a repository: administrators only.
            #expect(try await client.execute(uri: "/v2/team/app/manifests/v1", method: .get, headers: basic("dave")).status == .forbidden)
            #expect(try await client.execute(uri: "/v2/team/app/manifests/v1", method: .delete, headers: basic("dave")).status == .forbidden)
            #expect(try await pushBlobStatus(client, "team/other", headers: basic("dave")) == .forbidden)
            #expect(try registry.access.project("team") == nil)
            // An empty project is his to create.
            #expect(try await pushBlobStatus(client, "daves/app", headers: basic("dave")) == .created)
        }
    }

    @Test func anAccountMadeAgainUnderARemovedNameInheritsNoMembership() async throws {
        try await withAuthServer { client, registry, _ async throws in
            try await registry.access.removeAccount("alice")
            _ = try await registry.access.addAccount(name: "alice", password: "alice-password")
            #expect(try !registry.access.members(of: "team").contains { $0.user == "alice" })
            #expect(try await pushBlobStatus(client, "team/app", headers: basic("alice")) == .forbidden)
        }
    }

    @Test func aFailedLoginWithAnUnknownNameIsAuditedUnderASanitizedName() async throws {
        try await withAuthServer { client, registry, _ async throws in
            let name = String(repeating: "x", count: 100) + "<script>"
            let response = try await client.execute(uri: "/v2/", method: .get, headers: basic(name, "whatever-password"))
            #expect(response.status == .unauthorized)
            let failure = try #require(try registry.access.auditLog().last { $0.action == "login-failed" })
            #expect(failure.actor == String(repeating: "x", count: 64) + "…")
            #expect(failure.detail == "unknown account")
        }
    }

    @Test func aPasswordWithANulCharacterIsRefused() async throws {
        try await withAuthServer { _, registry, _ async throws in
            await #expect(throws: RegistryError.self) {
                _ = try await registry.access.addAccount(name: "erin", password: "a\u{0}bcdefghij")
            }
        }
    }

    @Test func aPushIntoANewProjectByAnAdministratorCreatesItPrivate() async throws {
        try await withAuthServer { client, registry, _ async throws in
            #expect(try await pushBlobStatus(client, "fresh/app", headers: basic("admin")) == .created)
            #expect(try registry.access.project("fresh")?.isPublic == false)
            #expect(try await client.execute(uri: "/v2/fresh/app/tags/list", method: .get, headers: basic("carol")).status == .forbidden)
        }
    }

    @Test func theCatalogListsOnlyWhatTheCallerMayPull() async throws {
        try await withAuthServer { client, registry, _ async throws in
            for name in ["team/app", "pub/app", "secret/app"] {
                _ = try await registry.pushBlob(to: try RepositoryName(parsing: name), digest: sha256([1]), bytes: [1])
            }
            let carol = try await client.execute(uri: "/v2/_catalog", method: .get, headers: basic("carol"))
            #expect(carol.json?["repositories"] as? [String] == ["pub/app"])
            let bob = try await client.execute(uri: "/v2/_catalog", method: .get, headers: basic("bob"))
            #expect(bob.json?["repositories"] as? [String] == ["pub/app", "team/app"])
            let admin = try await client.execute(uri: "/v2/_catalog", method: .get, headers: basic("admin"))
            #expect(admin.json?["repositories"] as? [String] == ["pub/app", "secret/app", "team/app"])
        }
    }

    @Test func anUploadSessionBelongsToWhoeverOpenedIt() async throws {
        try await withAuthServer { client, registry, _ async throws in
            try await registry.access.setMember("carol", of: "team", role: .developer)
            let start = try await client.execute(uri: "/v2/team/app/blobs/uploads/", method: .post, headers: basic("alice"))
            let location = try #require(start.header("Location"))
            let other = try await client.execute(uri: location, method: .get, headers: basic("carol"))
            #expect(other.status == .notFound)
            #expect(other.errorCode == "BLOB_UPLOAD_UNKNOWN")
            #expect(try await client.execute(uri: location, method: .get, headers: basic("alice")).status == .noContent)
        }
    }

    @Test func mountingNeedsPullOnTheSource() async throws {
        try await withAuthServer { client, registry, _ async throws in
            try await registry.access.saveProject("mine", isPublic: false)
            try await registry.access.setMember("carol", of: "mine", role: .developer)
            let digest = sha256([7, 7])
            _ = try await registry.pushBlob(to: try RepositoryName(parsing: "team/app"), digest: digest, bytes: [7, 7])
            let refused = try await client.execute(uri: "/v2/mine/app/blobs/uploads/?mount=\(digest)&from=team/app", method: .post, headers: basic("carol"))
            #expect(refused.status == .accepted)
            try await registry.access.setMember("carol", of: "team", role: .guest)
            let mounted = try await client.execute(uri: "/v2/mine/app/blobs/uploads/?mount=\(digest)&from=team/app", method: .post, headers: basic("carol"))
            #expect(mounted.status == .created)
        }
    }

    @Test func pushersMayReadUnsignedManifestsUnderTheSignedOnlyPolicyAndPullersMayNot() async throws {
        try await withAuthServer { client, registry, _ async throws in
            try await registry.updatePolicies { $0.signedOnly = [SignedOnlyPolicy(repositories: "team/**")] }
            let image = try await pushImageBlobs(client, "team/app", seed: 5, headers: basic("alice"))
            #expect(try await putManifest(client, "team/app", "v1", image.bytes, headers: basic("alice")).status == .created)
            #expect(try await client.execute(uri: "/v2/team/app/manifests/v1", method: .get, headers: basic("alice")).status == .ok)
            let guest = try await client.execute(uri: "/v2/team/app/manifests/v1", method: .get, headers: basic("bob"))
            #expect(guest.status == .preconditionFailed)
            #expect(guest.errorCode == "DENIED")
        }
    }

    @Test func metricsNeedAnAdministratorOrTheMetricsTokenAndHealthzIsOpen() async throws {
        try await withAuthServer { client, _, _ async throws in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/metrics", method: .get, headers: basic("alice")).status == .unauthorized)
            #expect(try await client.execute(uri: "/metrics", method: .get, headers: basic("admin")).status == .ok)
            #expect(try await client.execute(uri: "/metrics", method: .get, headers: bearer("scrape-me")).status == .ok)
        }
    }

    @Test func theAdminAPINeedsAnAdministrator() async throws {
        try await withAuthServer { client, _, _ async throws in
            #expect(try await client.execute(uri: "/admin/v1/policies", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/admin/v1/policies", method: .get, headers: basic("alice")).status == .forbidden)
            #expect(try await client.execute(uri: "/admin/v1/policies", method: .get, headers: basic("admin")).status == .ok)
            #expect(try await client.execute(uri: "/admin/v1/gc?dryRun=true", method: .post, headers: basic("bob")).status == .forbidden)
        }
    }

    @Test func pushesAndDeletesAreAudited() async throws {
        try await withAuthServer { client, registry, _ async throws in
            let image = try await pushImageBlobs(client, "team/app", seed: 6, headers: basic("alice"))
            _ = try await putManifest(client, "team/app", "v1", image.bytes, headers: basic("alice"))
            _ = try await client.execute(uri: "/v2/team/app/manifests/v1", method: .delete, headers: basic("admin"))
            let log = try registry.access.auditLog()
            #expect(log.contains { $0.action == "push" && $0.actor == "alice" && $0.repository == "team/app" && $0.digest == image.digest.description })
            #expect(log.contains { $0.action == "delete" && $0.actor == "admin" })
        }
    }
}
