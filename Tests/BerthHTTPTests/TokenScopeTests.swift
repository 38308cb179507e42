import BerthEngine
import BerthHTTP
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// `registry:admin:*`: what a bearer token needs, besides an administrator's account, for the
/// admin API and `/metrics`. Basic credentials of an administrator need no scope (`AuthTests`).
@Suite struct AdministrationScopeTests {
    @Test func theTokenEndpointGrantsTheAdminScopeToAnAdministratorWhoAsks() async throws {
        try await withAuthServer { client, _, authentication async throws in
            let granted = try await token(client, "admin", ["registry:admin:*"])
            #expect(authentication.verify(granted)?.access == [RegistryAuthentication.administrationScope])
        }
    }

    @Test func theTokenEndpointNeverGrantsTheAdminScopeToOthers() async throws {
        try await withAuthServer { client, _, authentication async throws in
            for user in ["alice", nil] {
                let granted = try await token(client, user, ["registry:admin:*"])
                #expect(authentication.verify(granted)?.access == [], "\(user ?? "anonymous")")
            }
        }
    }

    @Test func theTokenEndpointDoesNotGrantTheAdminScopeUnasked() async throws {
        try await withAuthServer { client, _, authentication async throws in
            let granted = try await token(client, "admin", ["repository:team/app:pull"])
            #expect(authentication.verify(granted)?.access.contains(RegistryAuthentication.administrationScope) == false)
        }
    }

    @Test func anAdministratorsTokenWithoutTheAdminScopeIsDeniedByTheAdminAPI() async throws {
        try await withAuthServer { client, _, _ async throws in
            // What `docker pull` caches for an administrator.
            let pullOnly = try await token(client, "admin", ["repository:team/app:pull"])
            let calls: [(String, HTTPRequest.Method)] = [
                ("/admin/v1/policies", .get), ("/admin/v1/users", .get), ("/admin/v1/gc?dryRun=true", .post),
            ]
            for (uri, method) in calls {
                let response = try await client.execute(uri: uri, method: method, headers: bearer(pullOnly))
                #expect(response.status == .forbidden, "\(method) \(uri)")
                #expect(response.errorCode == "DENIED", "\(method) \(uri)")
            }
        }
    }

    @Test func anAdministratorsTokenWithoutTheAdminScopeCannotCreateAnAccount() async throws {
        try await withAuthServer { client, registry, _ async throws in
            let pullOnly = try await token(client, "admin", ["repository:team/app:pull"])
            var headers = bearer(pullOnly)
            headers[.contentType] = "application/json"
            let response = try await client.execute(uri: "/admin/v1/users", method: .post, headers: headers,
                                                    body: ByteBuffer(string: #"{"name":"mallory","password":"mallory-password","admin":true}"#))
            #expect(response.status == .forbidden)
            #expect(try registry.access.account("mallory") == nil)
        }
    }

    @Test func anAdministratorsTokenWithTheAdminScopeUsesTheAdminAPI() async throws {
        try await withAuthServer { client, registry, _ async throws in
            let administration = try await token(client, "admin", ["registry:admin:*"])
            #expect(try await client.execute(uri: "/admin/v1/policies", method: .get, headers: bearer(administration)).status == .ok)
            var headers = bearer(administration)
            headers[.contentType] = "application/json"
            let created = try await client.execute(uri: "/admin/v1/users", method: .post, headers: headers,
                                                   body: ByteBuffer(string: #"{"name":"dave","password":"dave-password"}"#))
            #expect(created.status == .ok)
            #expect(try registry.access.account("dave") != nil)
        }
    }

    @Test func anAdministratorsTokenWithoutTheAdminScopeCannotReadMetrics() async throws {
        try await withAuthServer { client, _, _ async throws in
            let pullOnly = try await token(client, "admin", ["repository:team/app:pull"])
            #expect(try await client.execute(uri: "/metrics", method: .get, headers: bearer(pullOnly)).status == .unauthorized)
        }
    }

    @Test func anAdministratorsTokenWithTheAdminScopeReadsMetrics() async throws {
        try await withAuthServer { client, _, _ async throws in
            let administration = try await token(client, "admin", ["registry:admin:*"])
            #expect(try await client.execute(uri: "/metrics", method: .get, headers: bearer(administration)).status == .ok)
        }
    }

    @Test func aNonAdministratorsTokenWithTheRepositoryScopeStillReadsArtifactsThroughTheAdminAPI() async throws {
        try await withAuthServer { client, _, _ async throws in
            let image = try await pushImageBlobs(client, "team/app", seed: 40, headers: basic("alice"))
            #expect(try await putManifest(client, "team/app", "v1", image.bytes, headers: basic("alice")).status == .created)
            let pull = try await token(client, "bob", ["repository:team/app:pull"])
            let response = try await client.execute(uri: "/admin/v1/repositories/team/app/artifacts", method: .get, headers: bearer(pull))
            #expect(response.status == .ok)
        }
    }

    @Test func aTokenWithoutTheRepositoryScopeCannotReadArtifactsThroughTheAdminAPI() async throws {
        try await withAuthServer { client, _, _ async throws in
            let elsewhere = try await token(client, "bob", ["repository:pub/app:pull"])
            let response = try await client.execute(uri: "/admin/v1/repositories/team/app/artifacts", method: .get, headers: bearer(elsewhere))
            #expect(response.status == .forbidden)
        }
    }
}

/// Where a handler decides more than the endpoint's own action, a token's scopes count as well
/// as the account's roles: the catalog, a mount's source, the signed-only policy's exemption.
@Suite struct TokenScopeEnforcementTests {
    @Test func aTokenWithoutTheCatalogScopeCannotListTheCatalog() async throws {
        try await withAuthServer { client, registry, _ async throws in
            _ = try await registry.pushBlob(to: try RepositoryName(parsing: "team/app"), digest: sha256([1]), bytes: [1])
            let repositoryOnly = try await token(client, "alice", ["repository:team/app:pull"])
            let response = try await client.execute(uri: "/v2/_catalog", method: .get, headers: bearer(repositoryOnly))
            #expect(response.status == .unauthorized)
            #expect(response.errorCode == "UNAUTHORIZED")
            #expect(response.header("WWW-Authenticate")?.contains(#"scope="registry:catalog:*",error="insufficient_scope""#) == true)
        }
    }

    @Test func aTokenWithTheCatalogScopeListsWhatItsAccountMayPull() async throws {
        try await withAuthServer { client, registry, _ async throws in
            for name in ["team/app", "secret/app"] {
                _ = try await registry.pushBlob(to: try RepositoryName(parsing: name), digest: sha256([1]), bytes: [1])
            }
            let catalog = try await token(client, "alice", ["registry:catalog:*"])
            let response = try await client.execute(uri: "/v2/_catalog", method: .get, headers: bearer(catalog))
            #expect(response.status == .ok)
            #expect(response.json?["repositories"] as? [String] == ["team/app"])
        }
    }

    /// carol develops `mine` and is a guest of `team`: her roles allow the mount, her token must too.
    private func withMountSource(_ body: @Sendable (any TestClientProtocol, Digest) async throws -> Void) async throws {
        try await withAuthServer { client, registry, _ async throws in
            try await registry.access.saveProject("mine", isPublic: false)
            try await registry.access.setMember("carol", of: "mine", role: .developer)
            try await registry.access.setMember("carol", of: "team", role: .guest)
            let digest = sha256([7, 7])
            _ = try await registry.pushBlob(to: try RepositoryName(parsing: "team/app"), digest: digest, bytes: [7, 7])
            try await body(client, digest)
        }
    }

    @Test func aMountWithATokenNotGrantingPullOnTheSourceOpensASessionInstead() async throws {
        try await withMountSource { client, digest in
            let targetOnly = try await token(client, "carol", ["repository:mine/app:pull,push"])
            let response = try await client.execute(uri: "/v2/mine/app/blobs/uploads/?mount=\(digest)&from=team/app", method: .post,
                                                    headers: bearer(targetOnly))
            #expect(response.status == .accepted)
            #expect(response.header("Docker-Upload-UUID") != nil)
        }
    }

    @Test func aMountWithATokenGrantingPullOnTheSourceMounts() async throws {
        try await withMountSource { client, digest in
            let both = try await token(client, "carol", ["repository:mine/app:pull,push", "repository:team/app:pull"])
            let response = try await client.execute(uri: "/v2/mine/app/blobs/uploads/?mount=\(digest)&from=team/app", method: .post,
                                                    headers: bearer(both))
            #expect(response.status == .created)
        }
    }

    /// alice may push to `team/app`; an unsigned manifest sits there under a signed-only policy.
    private func withUnsignedManifest(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await withAuthServer { client, registry, _ async throws in
            try await registry.updatePolicies { $0.signedOnly = [SignedOnlyPolicy(repositories: "team/**")] }
            let image = try await pushImageBlobs(client, "team/app", seed: 41, headers: basic("alice"))
            #expect(try await putManifest(client, "team/app", "v1", image.bytes, headers: basic("alice")).status == .created)
            try await body(client)
        }
    }

    @Test func aPullOnlyTokenOfAnAccountThatMayPushObeysTheSignedOnlyPolicy() async throws {
        try await withUnsignedManifest { client in
            let pullOnly = try await token(client, "alice", ["repository:team/app:pull"])
            let response = try await client.execute(uri: "/v2/team/app/manifests/v1", method: .get, headers: bearer(pullOnly))
            #expect(response.status == .preconditionFailed)
            #expect(response.errorCode == "DENIED")
        }
    }

    @Test func aTokenGrantingPushReadsUnsignedManifestsUnderTheSignedOnlyPolicy() async throws {
        try await withUnsignedManifest { client in
            let pullPush = try await token(client, "alice", ["repository:team/app:pull,push"])
            let response = try await client.execute(uri: "/v2/team/app/manifests/v1", method: .get, headers: bearer(pullPush))
            #expect(response.status == .ok)
        }
    }
}
