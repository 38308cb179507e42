import BerthEngine
import BerthModel
import BerthWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Who may see and do what, as the API allows each account; forged posts; the deletes and
/// the administrators' actions.
@Suite struct ActionTests {
    /// Whether each viewer may read `team/app`, sees delete controls there, and may delete an
    /// accessory; `nil` is a visitor who is not signed in.
    static let matrix: [(account: String?, reads: Bool, deletes: Bool, administers: Bool)] = [
        (nil, false, false, false), ("outsider", false, false, false), ("guest", true, false, false), ("dev", true, false, false),
        ("maint", true, true, false), ("owner", true, true, false), ("admin", true, true, true),
    ]

    @Test(arguments: matrix.indices) func eachRoleSeesAndDoesWhatTheAPIAllows(_ index: Int) async throws {
        let entry = Self.matrix[index]
        try await withInterface { client, registry, fixture in
            var visitor = Visitor()
            if let account = entry.account { #expect(try await visitor.signIn(client, account).status == .seeOther) }
            let page = try await visitor.get(client, "/repositories/team/app")
            #expect((page.status == .ok) == entry.reads, "\(entry.account ?? "signed out") reads: \(page.status)")
            if entry.reads {
                #expect(page.text.contains("artifact-delete") == entry.deletes, "delete controls for \(entry.account ?? "-")")
                let table = try await visitor.get(client, "/repositories/team/app/-/artifacts/\(fixture.signed)/accessories")
                #expect(table.text.contains("accessory-delete") == entry.deletes)
            }
            _ = try await visitor.get(client, "/projects")
            let delete = try await visitor.post(client, "/repositories/team/app/-/artifacts/\(fixture.signed)/accessories/\(fixture.notation)/delete")
            if entry.deletes {
                #expect(delete.status == .seeOther)
            } else {
                #expect(delete.status == .forbidden || delete.status == .notFound, "\(entry.account ?? "-"): \(delete.status)")
            }
            let stillThere = (try? registry.manifestRecord(.digest(fixture.notation), in: repo("team/app"))) != nil
            #expect(stillThere == !entry.deletes)
            #expect(try await visitor.get(client, "/registry").status == (entry.administers ? .ok : entry.account == nil ? .unauthorized : .forbidden))
            #expect(try await visitor.get(client, "/audit").status == (entry.administers ? .ok : entry.account == nil ? .unauthorized : .forbidden))
        }
    }

    @Test func theAnonymousModeAllowsEveryAction() async throws {
        try await withInterface(accounts: false) { client, registry, fixture in
            var visitor = Visitor()
            let page = try await visitor.get(client, "/repositories/team/app")
            #expect(page.text.contains("artifact-delete"))
            #expect(try await visitor.post(client, "/repositories/team/app/-/tags/plain/delete").status == .seeOther)
            #expect(throws: RegistryError.self) { try registry.manifestRecord(.tag(try Tag(parsing: "plain")), in: repo("team/app")) }
            #expect(try registry.manifestRecord(.digest(fixture.unsigned), in: repo("team/app")).digest == fixture.unsigned, "the artifact stays")
        }
    }

    @Test func aPostWithoutTheSessionsTokenIsRefusedAndChangesNothing() async throws {
        try await withInterface { client, registry, fixture in
            var visitor = Visitor()
            _ = try await visitor.signIn(client, "maint")
            _ = try await visitor.get(client, "/repositories/team/app")
            let forged = try await visitor.post(client, "/repositories/team/app/-/artifacts/\(fixture.signed)/delete", csrf: false)
            #expect(forged.status == .forbidden)
            var other = Visitor()
            _ = try await other.signIn(client, "owner")
            _ = try await other.get(client, "/projects")
            visitor.csrf = other.csrf
            #expect(try await visitor.post(client, "/repositories/team/app/-/artifacts/\(fixture.signed)/delete").status == .forbidden,
                    "another session's token does not do")
            #expect(try registry.manifestRecord(.digest(fixture.signed), in: repo("team/app")).digest == fixture.signed)
        }
    }

    @Test func aPostFromAnotherSiteIsRefused() async throws {
        try await withInterface { client, registry, fixture in
            var visitor = Visitor()
            _ = try await visitor.signIn(client, "maint")
            _ = try await visitor.get(client, "/projects")
            var headers = HTTPFields()
            headers[.origin] = "http://evil.example"
            let forged = try await visitor.post(client, "/repositories/team/app/-/artifacts/\(fixture.signed)/delete", extraHeaders: headers)
            #expect(forged.status == .forbidden)
            #expect(try registry.manifestRecord(.digest(fixture.signed), in: repo("team/app")).digest == fixture.signed)
        }
    }

    @Test func deletingTheLastSignatureTurnsTheCheckIntoACross() async throws {
        try await withInterface { client, registry, fixture in
            var visitor = Visitor()
            _ = try await visitor.signIn(client, "maint")
            let base = "/repositories/team/app/-/artifacts/\(fixture.signed)"
            _ = try await visitor.get(client, base)
            for signature in [fixture.cosign, fixture.notation] {
                let confirm = try await visitor.get(client, "\(base)/accessories/\(signature)/delete")
                #expect(confirm.text.contains("confirm-submit"))
                let deleted = try await visitor.post(client, "\(base)/accessories/\(signature)/delete")
                #expect(deleted.location == "\(base)?done=accessory-deleted#accessories")
            }
            let page = try await visitor.get(client, "\(base)?done=accessory-deleted")
            #expect(page.text.contains("✗ not signed"))
            #expect(page.text.contains("The accessory was deleted."))
            #expect(try !registry.isSigned(fixture.signed, in: repo("team/app")))
            #expect(try registry.access.auditLog(limit: 50).filter { $0.action == "delete" && $0.actor == "maint" }.count == 2)
        }
    }

    @Test func theArtifactsConfirmationListsItsAccessoriesAndTheDeleteTakesThem() async throws {
        try await withInterface { client, registry, fixture in
            var visitor = Visitor()
            _ = try await visitor.signIn(client, "maint")
            let base = "/repositories/team/app/-/artifacts/\(fixture.signed)"
            let confirm = try await visitor.get(client, "\(base)/delete")
            #expect(confirm.text.contains("cosign signature sha256-\(fixture.signed.encoded).sig"))
            #expect(confirm.text.contains("Notation signature \(fixture.notation)") && confirm.text.contains("SBOM \(fixture.sbom)"))
            #expect(confirm.text.contains("Notation signature \(fixture.sbomSignature)"))
            #expect(try await visitor.post(client, "\(base)/delete").location == "/repositories/team/app?done=artifact-deleted")
            for gone in [fixture.signed, fixture.cosign, fixture.notation, fixture.sbom, fixture.sbomSignature] {
                #expect(throws: RegistryError.self) { try registry.manifestRecord(.digest(gone), in: repo("team/app")) }
            }
        }
    }

    @Test func anImmutableTagRefusesTheDeleteWithTheRulesReason() async throws {
        try await withInterface { client, registry, fixture in
            var policies = registry.policies
            policies.immutability = [ImmutabilityRule(repositories: "team/**", tags: "v*")]
            _ = try await registry.administration.setPolicies(policies, by: .local)
            var visitor = Visitor()
            _ = try await visitor.signIn(client, "maint")
            _ = try await visitor.get(client, "/projects")
            let refused = try await visitor.post(client, "/repositories/team/app/-/artifacts/\(fixture.signed)/delete")
            #expect(refused.status == .forbidden)
            #expect(refused.text.contains("Refused by a rule"))
            #expect(try registry.manifestRecord(.digest(fixture.signed), in: repo("team/app")).digest == fixture.signed)
        }
    }

    @Test func aGarbageCollectionDryRunShowsWhatWouldGoAndRemovesNothing() async throws {
        try await withInterface { client, registry, _ in
            var policies = registry.policies
            policies.garbageCollection.collectUntagged = true
            policies.garbageCollection.untaggedGraceSeconds = 0
            policies.garbageCollection.blobGraceSeconds = 0
            _ = try await registry.administration.setPolicies(policies, by: .local)
            let orphan = try await manifest(registry, repo("team/app"), seed: "orphan")
            var visitor = Visitor()
            _ = try await visitor.signIn(client, "admin")
            _ = try await visitor.get(client, "/registry")
            let report = try await visitor.post(client, "/registry/gc?dryRun=true")
            #expect(report.status == .ok)
            #expect(report.text.contains("Would remove") && report.text.contains(orphan.description))
            #expect(report.text.contains(#"id="run-for-real""#))
            #expect(try registry.manifestRecord(.digest(orphan), in: repo("team/app")).digest == orphan, "a dry run removes nothing")
            let done = try await visitor.post(client, "/registry/gc")
            #expect(done.text.contains("Removed"))
            #expect(throws: RegistryError.self) { try registry.manifestRecord(.digest(orphan), in: repo("team/app")) }
        }
    }

    @Test func thePoliciesAreSavedFromTheRegistryPageAndABadDocumentChangesNothing() async throws {
        try await withInterface { client, registry, _ in
            var visitor = Visitor()
            _ = try await visitor.signIn(client, "admin")
            _ = try await visitor.get(client, "/registry")
            let bad = try await visitor.post(client, "/registry/policies", ["policies": #"{"immutability":[{"repositories":"["}]}"#])
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("policy-problem"))
            #expect(registry.policies.immutability.isEmpty)
            let good = try await visitor.post(client, "/registry/policies",
                                              ["policies": #"{"immutability":[{"repositories":"team/**","tags":"v*"}]}"#])
            #expect(good.location == "/registry?done=policies-saved")
            #expect(registry.policies.immutability.count == 1)
        }
    }

    @Test func theAuditLogIsNewestFirstAndPaged() async throws {
        try await withInterface { client, registry, _ in
            for index in 0..<70 { await registry.access.audit(AuditEvent(actor: "tester", action: "probe", detail: "event \(index)")) }
            var visitor = Visitor()
            _ = try await visitor.signIn(client, "admin")
            let first = try await visitor.get(client, "/audit")
            #expect(first.text.components(separatedBy: "<tr><td data-label=\"Time\">").count - 1 == 50)
            let firstDetail = try #require(first.text.range(of: "event ").map { first.text[$0.upperBound...].prefix(2) })
            #expect(firstDetail == "69", "the newest event first")
            let next = try #require(PageTests.nextLink(first.text))
            let second = try await visitor.get(client, next)
            #expect(second.text.contains("event 0<") || second.text.contains("event 0 "), "older events on the next page")
        }
    }
}
