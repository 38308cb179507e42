import BerthEngine
import BerthHTTP
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Every principal × every action × own, other and public project, against one server, with
/// the expected outcome computed from the role rules of `Docs/security.md`.
@Suite struct FullAuthorizationMatrixTests {
    enum Who: String, CaseIterable { case admin, maintainer, developer, guest, robot, stranger, anonymous }
    enum Action: String, CaseIterable { case pull, push, delete, mount, catalog, referrers, accessories, gc, unsigned }

    /// The role `who` holds in `project` (`team` is theirs, `secret` someone else's, `pub` public).
    static func role(_ who: Who, in project: String) -> ProjectRole? {
        guard project == "team" else { return nil }
        switch who {
        case .maintainer: return .maintainer
        case .developer: return .developer
        case .guest, .robot: return .guest
        default: return nil
        }
    }

    /// What the rules say: allowed, refused, or (unsigned manifests) refused by the policy.
    enum Outcome: Equatable { case allowed, refused, policy }

    static func expected(_ who: Who, _ action: Action, _ project: String) -> Outcome {
        let role = role(who, in: project)
        let admin = who == .admin
        let canPull = admin || role != nil || project == "pub"
        let canPush = admin || (role.map { $0 >= .developer } ?? false)
        let canDelete = admin || (role.map { $0 >= .maintainer } ?? false)
        switch action {
        case .pull, .referrers, .catalog: return canPull ? .allowed : .refused
        case .push, .mount: return canPush ? .allowed : .refused
        case .delete: return canDelete ? .allowed : .refused
        case .accessories: return canPull && who != .anonymous ? .allowed : .refused
        case .gc: return admin ? .allowed : .refused
        case .unsigned: return canPush ? .allowed : (canPull ? .policy : .refused)
        }
    }

    @Test func everyPrincipalActionAndProjectIsDecidedExactlyAsTheRulesSay() async throws {
        try await withAuthServer { client, registry, _ async throws in
            for (name, role) in [("maria", ProjectRole.maintainer), ("dev", .developer), ("guest", .guest)] {
                _ = try await registry.access.addAccount(name: name, password: "\(name)-password")
                try await registry.access.setMember(name, of: "team", role: role)
            }
            let robot = try await registry.access.addRobot(name: "ci", expiresAt: Date().addingTimeInterval(3600))
            try await registry.access.setMember(robot.account.name, of: "team", role: .guest)
            try await registry.access.saveProject("secret", isPublic: false)
            try await registry.updatePolicies { $0.signedOnly = [SignedOnlyPolicy(repositories: "*/unsigned")] }
            var digests: [String: Digest] = [:]
            for project in ["team", "secret", "pub"] {
                let image = try await pushImageBlobs(client, "\(project)/app", seed: 30, headers: basic("admin"))
                _ = try await putManifest(client, "\(project)/app", "v1", image.bytes, headers: basic("admin"))
                let unsigned = try await pushImageBlobs(client, "\(project)/unsigned", seed: 31, headers: basic("admin"))
                _ = try await putManifest(client, "\(project)/unsigned", "v1", unsigned.bytes, headers: basic("admin"))
                digests[project] = image.digest
            }
            func headers(_ who: Who) -> HTTPFields {
                switch who {
                case .anonymous: [:]
                case .robot: basic(robot.account.name, robot.secret)
                case .stranger: basic("carol")
                case .maintainer: basic("maria")
                case .developer: basic("dev")
                case .guest: basic("guest")
                case .admin: basic("admin")
                }
            }
            var mismatches: [String] = []
            for who in Who.allCases {
                for action in Action.allCases {
                    for project in ["team", "secret", "pub"] {
                        let h = headers(who)
                        let repo = "\(project)/app"
                        let digest = try #require(digests[project])
                        let observed: Outcome
                        switch action {
                        case .pull:
                            observed = Self.outcome(try await client.execute(uri: "/v2/\(repo)/manifests/v1", method: .get, headers: h))
                        case .push:
                            observed = Self.outcome(status: try await pushBlobStatus(client, repo, headers: h))
                        case .delete:
                            // Authorization comes before existence: allowed callers learn the tag is unknown.
                            let response = try await client.execute(uri: "/v2/\(repo)/manifests/missing-\(who.rawValue)", method: .delete, headers: h)
                            observed = response.status == .notFound ? .allowed : Self.outcome(response)
                        case .mount:
                            let layer = try #require(try registry.manifest(.tag(BerthModel.Tag(parsing: "v1")), in: RepositoryName(parsing: repo)).record.blobs.last)
                            let response = try await client.execute(uri: "/v2/\(project)/mounted/blobs/uploads/?mount=\(layer)&from=\(repo)", method: .post, headers: h)
                            observed = response.status == .created ? .allowed : .refused
                        case .catalog:
                            let response = try await client.execute(uri: "/v2/_catalog", method: .get, headers: h)
                            let listed = (response.json?["repositories"] as? [String] ?? []).contains(repo)
                            observed = listed ? .allowed : .refused
                        case .referrers:
                            observed = Self.outcome(try await client.execute(uri: "/v2/\(repo)/referrers/\(digest)", method: .get, headers: h))
                        case .accessories:
                            observed = Self.outcome(try await client.execute(uri: "/admin/v1/repositories/\(repo)/accessories/v1", method: .get, headers: h))
                        case .gc:
                            observed = Self.outcome(try await client.execute(uri: "/admin/v1/gc?dryRun=true", method: .post, headers: h))
                        case .unsigned:
                            observed = Self.outcome(try await client.execute(uri: "/v2/\(project)/unsigned/manifests/v1", method: .get, headers: h))
                        }
                        let expected = Self.expected(who, action, project)
                        if observed != expected { mismatches.append("\(who) \(action) \(project): expected \(expected), got \(observed)") }
                    }
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
        }
    }

    static func outcome(_ response: TestResponse) -> Outcome { outcome(status: response.status) }

    static func outcome(status: HTTPResponse.Status) -> Outcome {
        switch status.code {
        case 200..<300: .allowed
        case 412: .policy
        default: .refused
        }
    }
}
