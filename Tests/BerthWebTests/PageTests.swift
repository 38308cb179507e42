import BerthEngine
import BerthModel
import BerthTestSupport
import BerthWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// What the pages show: projects, repositories, artifacts with their signed state, the
/// Accessories table; security headers and escaping on every page.
@Suite struct PageTests {
    @Test func everyPageCarriesTheSecurityHeadersAndNoInlineCode() async throws {
        try await withInterface { client, _, fixture in
            var visitor = Visitor()
            _ = try await visitor.signIn(client, "admin")
            for path in ["/projects", "/projects/team", "/repositories/team/app", "/repositories/team/app/-/artifacts/\(fixture.signed)",
                         "/repositories/team/app/-/artifacts/\(fixture.signed)/accessories", "/registry", "/audit", "/replication", "/login", "/projects/nowhere"] {
                let page = try await visitor.get(client, path)
                let policy = page.headers[.contentSecurityPolicy] ?? ""
                #expect(policy.contains("script-src 'self'") && policy.contains("style-src 'self'") && !policy.contains("unsafe-inline"), "\(path)")
                #expect(policy.contains("frame-ancestors 'none'"), "\(path)")
                #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == "DENY", "\(path)")
                #expect(page.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin", "\(path)")
                #expect(page.headers[.xContentTypeOptions] == "nosniff", "\(path)")
                #expect(page.headers[.cacheControl] == "no-store", "\(path)")
                #expect(!page.text.contains("<script>") && !page.text.contains(" style=") && !page.text.contains("<style"), "\(path): no inline code")
                #expect(!page.text.contains(Accounts.password), "\(path): no secret in a page")
            }
        }
    }

    @Test func aScriptInAnAnnotationIsShownNotRun() async throws {
        try await withInterface { client, _, fixture in
            var visitor = Visitor()
            _ = try await visitor.signIn(client, "admin")
            let page = try await visitor.get(client, "/repositories/team/app/-/artifacts/\(fixture.hostile)")
            #expect(page.status == .ok)
            #expect(!page.text.contains("<script>alert"))
            #expect(page.text.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") || page.text.contains("&lt;script&gt;alert("))
            #expect(page.text.contains("&lt;b&gt;bold&lt;/b&gt;") && !page.text.contains("<b>bold</b>"))
        }
    }

    @Test func signedOutVisitorsSeePublicProjectsOnly() async throws {
        try await withInterface { client, _, _ in
            var visitor = Visitor()
            let page = try await visitor.get(client, "/projects")
            #expect(page.text.contains(#"href="/projects/open""#))
            #expect(!page.text.contains(#"href="/projects/team""#))
            #expect(try await visitor.get(client, "/repositories/open/site").status == .ok)
            #expect(try await visitor.get(client, "/repositories/team/app").location == "/login?next=%2Frepositories%2Fteam%2Fapp")
        }
    }

    @Test func projectsShowAccessRoleRepositoriesAndStorage() async throws {
        try await withInterface { client, _, _ in
            var visitor = Visitor()
            _ = try await visitor.signIn(client, "maint")
            let page = try await visitor.get(client, "/projects")
            let row = try #require(page.text.components(separatedBy: "<tr>").first { $0.contains(#"href="/projects/team""#) })
            #expect(row.contains("private") && row.contains("maintainer") && row.contains(">1<") && row.contains(" B<") || row.contains(" kB<"))
            let project = try await visitor.get(client, "/projects/team")
            #expect(project.text.contains(#"href="/repositories/team/app""#))
        }
    }

    @Test func artifactsShowSignedCheckOrCrossAndHideAccessories() async throws {
        try await withInterface { client, _, fixture in
            var visitor = Visitor()
            _ = try await visitor.signIn(client, "maint")
            let page = try await visitor.get(client, "/repositories/team/app")
            let rows = page.text.components(separatedBy: #"<tr class="artifact""#).dropFirst()
            let signed = try #require(rows.first { $0.contains(fixture.signed.description) })
            let unsigned = try #require(rows.first { $0.contains(fixture.unsigned.description) })
            #expect(signed.contains(#"<span class="signed" title="signed">✓</span>"#))
            #expect(unsigned.contains(#"<span class="unsigned" title="not signed">✗</span>"#))
            for accessory in [fixture.cosign, fixture.notation, fixture.sbom, fixture.sbomSignature] {
                #expect(!page.text.contains(#"data-digest="\#(accessory)""#), "an accessory is no artifact row of its own")
            }
            #expect(page.text.contains(#"<code id="pull-command">docker pull "#))
        }
    }

    @Test func theAccessoriesTableNamesTypesSizesAndNestsTheSBOMsSignature() async throws {
        try await withInterface { client, registry, fixture in
            var visitor = Visitor()
            _ = try await visitor.signIn(client, "maint")
            let table = try await visitor.get(client, "/repositories/team/app/-/artifacts/\(fixture.signed)/accessories")
            let rows = table.text.components(separatedBy: "<tr class=\"accessory").dropFirst()
            func row(_ digest: Digest) -> String? { rows.first { $0.contains(#"data-digest="\#(digest)""#) } }
            #expect(row(fixture.cosign)?.contains("cosign signature (simple signing)") == true)
            #expect(row(fixture.cosign)?.contains("sha256-\(fixture.signed.encoded).sig") == true)
            #expect(row(fixture.notation)?.contains("Notation signature (JWS)") == true)
            #expect(row(fixture.sbom)?.contains("SBOM (SPDX)") == true)
            #expect(row(fixture.sbomSignature)?.hasPrefix(" tree-1") == true, "nested under the SBOM")
            let size = try registry.manifestRecord(.digest(fixture.notation), in: repo("team/app")).size
            #expect(row(fixture.notation)?.contains(">\(size) B<") == true)
            #expect(row(fixture.notation)?.contains(#"<time datetime="2"#) == true)
        }
    }

    @Test func artifactPagesAreNewestFirstAndPaged() async throws {
        try await withInterface { client, registry, _ in
            for index in 0..<120 { try await manifest(registry, repo("open/many"), seed: "many-\(index)", tags: ["t\(index)"]) }
            var visitor = Visitor()
            let first = try await visitor.get(client, "/repositories/open/many")
            #expect(first.text.components(separatedBy: #"<tr class="artifact""#).count - 1 == 50)
            let newest = try #require(first.text.range(of: #"<span class="tag">"#).map { first.text[$0.upperBound...].prefix(5) })
            #expect(newest.hasPrefix("t119"))
            var next = try #require(Self.nextLink(first.text))
            var seen = 50
            while true {
                let page = try await visitor.get(client, next)
                seen += page.text.components(separatedBy: #"<tr class="artifact""#).count - 1
                guard let link = Self.nextLink(page.text) else { break }
                next = link
            }
            #expect(seen == 120)
            let filtered = try await visitor.get(client, "/repositories/open/many?tag=T11")
            #expect(filtered.text.components(separatedBy: #"<tr class="artifact""#).count - 1 == 11, "t11 and t110…t119")
        }
    }

    static func nextLink(_ html: String) -> String? {
        guard let range = html.range(of: #"<a id="next-page" href=""#) else { return nil }
        let rest = html[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]).replacingOccurrences(of: "&amp;", with: "&") }
    }

    @Test func aProjectPageShowsTheRulesWhosePatternMatchesIt() async throws {
        try await withInterface { client, registry, _ in
            var policies = registry.policies
            policies.immutability = [ImmutabilityRule(repositories: "team/**", tags: "v*")]
            policies.signedOnly = [SignedOnlyPolicy(repositories: "other/**", level: .present)]
            _ = try await registry.administration.setPolicies(policies, by: .local)
            var visitor = Visitor()
            _ = try await visitor.signIn(client, "maint")
            let page = try await visitor.get(client, "/projects/team")
            #expect(page.text.contains("Immutability") && page.text.contains("<code>team/**</code>"))
            #expect(!page.text.contains("Signed-only pulls"), "a rule for another project is not shown")
        }
    }
}

/// Marks and listings that need more set-up: a signature verified against a trusted key, a
/// project of many repositories.
@Suite struct PageDetailTests {
    struct OpenSSLFailed: Error { let message: String }

    @Sendable static func openssl(_ arguments: [String]) throws {
        let result = try ChildProcess.run("openssl", arguments)
        guard result.status == 0 else { throw OpenSSLFailed(message: result.stderr) }
    }

    @Test func aSignatureVerifiedAgainstATrustedKeyHasItsOwnMark() async throws {
        let keys = NSTemporaryDirectory() + "berth-web-keys-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: keys) }
        try Self.openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "\(keys)/key.pem"])
        try Self.openssl(["ec", "-in", "\(keys)/key.pem", "-pubout", "-out", "\(keys)/pub.pem"])
        try await withInterface { client, registry, fixture in
            let app = repo("team/app")
            // cosign's simple-signing payload for the unsigned image, signed with the key.
            let payload = Array(#"{"critical":{"identity":{"docker-reference":"registry.example/team/app"},"image":{"docker-manifest-digest":"\#(fixture.unsigned)"},"type":"cosign container image signature"},"optional":null}"#.utf8)
            try Data(payload).write(to: URL(fileURLWithPath: "\(keys)/payload"))
            try Self.openssl(["dgst", "-sha256", "-sign", "\(keys)/key.pem", "-out", "\(keys)/payload.sig", "\(keys)/payload"])
            let signature = try Data(contentsOf: URL(fileURLWithPath: "\(keys)/payload.sig")).base64EncodedString()
            let layer = try await blob(registry, app, payload, "application/vnd.dev.cosign.simplesigning.v1+json")
            let config = try await blob(registry, app, Array("{}".utf8), "application/vnd.oci.empty.v1+json")
            var layerObject = try #require(try JSONSerialization.jsonObject(with: Data(layer.utf8)) as? [String: Any])
            layerObject["annotations"] = ["dev.cosignproject.cosign/signature": signature]
            let document: [String: Any] = ["schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                                           "config": try JSONSerialization.jsonObject(with: Data(config.utf8)), "layers": [layerObject]]
            let bytes = Array(try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]))
            _ = try await registry.putManifest(bytes, contentType: "application/vnd.oci.image.manifest.v1+json", in: app,
                                               reference: .tag(try Tag(parsing: "sha256-\(fixture.unsigned.encoded).sig")))
            var policies = registry.policies
            policies.trustedKeys = [TrustedKey(name: "release", publicKeyPEM: try String(contentsOfFile: "\(keys)/pub.pem", encoding: .utf8))]
            _ = try await registry.administration.setPolicies(policies, by: .local)

            var visitor = Visitor()
            _ = try await visitor.signIn(client, "maint")
            let page = try await visitor.get(client, "/repositories/team/app")
            let rows = page.text.components(separatedBy: #"<tr class="artifact""#).dropFirst()
            let verified = try #require(rows.first { $0.contains(fixture.unsigned.description) })
            let signedOnly = try #require(rows.first { $0.contains(fixture.signed.description) })
            #expect(verified.contains(#"<span class="verified" title="signature verified against a trusted key">✓✓ verified</span>"#))
            #expect(signedOnly.contains(#"<span class="signed" title="signed">✓</span>"#), "signed by no trusted key: ✓, not verified")
        }
    }

    @Test func aProjectsRepositoriesAreFilteredByNameAndPaged() async throws {
        try await withInterface { client, registry, _ in
            for index in 0..<55 { try await manifest(registry, repo("open/service-\(index)"), seed: "r\(index)", tags: ["v1"]) }
            var visitor = Visitor()
            let first = try await visitor.get(client, "/projects/open")
            #expect(first.text.components(separatedBy: #"<td data-label="Repository">"#).count - 1 == 50)
            let next = try #require(PageTests.nextLink(first.text))
            let second = try await visitor.get(client, next)
            #expect(second.text.components(separatedBy: #"<td data-label="Repository">"#).count - 1 == 6, "5 services and open/site")
            let filtered = try await visitor.get(client, "/projects/open?q=service-5")
            #expect(filtered.text.components(separatedBy: #"<td data-label="Repository">"#).count - 1 == 6, "service-5 and service-50…54")
        }
    }
}
