@testable import BerthEngine
import BerthModel
import Foundation
import Testing

/// Runs of replication rules between two registries in process (the destination reached
/// through the engine's own peer, as another Berth is): what travels, what is skipped, what
/// a failing destination leaves, and what the index remembers.
@Suite struct ReplicatorTests {
    let app = repo("team/app")

    @Test func aPushRunGivesTheDestinationTheSameAccessoryTree() async throws {
        try await withReplicationPair { replicator, source, destination in
            let tree = try await SignedIndexFixture.push(source, app)
            try await replicator.setRule(ReplicationRule(name: "all", mode: .push, endpoint: "peer"), by: .local)
            let execution = try await replicator.run(rule: "all", by: .local)
            #expect(execution.state == .succeeded)
            #expect(execution.tasks == 1 && execution.succeeded == 1)
            #expect(execution.artifacts == tree.all.count && execution.artifactsDone == tree.all.count)
            let here = try source.accessories(of: .digest(tree.index), in: app)
            let there = try destination.accessories(of: .digest(tree.index), in: app)
            #expect(treeFacts(there) == treeFacts(here))
            #expect(treeFacts(there).count == 4)
            #expect(Set(try destination.referrers(of: tree.index, in: app)) == Set(try source.referrers(of: tree.index, in: app)))
            #expect(try destination.manifestRecord(.tag(tag("v1")), in: app).digest == tree.index)
        }
    }

    @Test func aTagFilterSelectsSubjectsButNeverDropsTheirAccessories() async throws {
        try await withReplicationPair { replicator, source, destination in
            let tree = try await SignedIndexFixture.push(source, app, tag: "v1")
            _ = try await SignedIndexFixture.push(source, app, tag: "nightly", seed: 100)
            try await replicator.setRule(ReplicationRule(name: "releases", mode: .push, endpoint: "peer", tags: "v*"), by: .local)
            let execution = try await replicator.run(rule: "releases", by: .local)
            #expect(execution.tasks == 1)
            let tags = Set(try destination.tags(in: app).items.map(\.value))
            #expect(tags == ["v1", "sha256-\(tree.index.encoded).sig"])
        }
    }

    @Test func aSecondRunSendsNothingTheDestinationHolds() async throws {
        let counting = Box<FailingDestination?>(nil)
        try await withReplicationPair(destination: { peer in
            let wrapper = FailingDestination(peer, failing: false)
            counting.value = wrapper
            return wrapper
        }) { replicator, source, _ in
            _ = try await SignedIndexFixture.push(source, app)
            try await replicator.setRule(ReplicationRule(name: "all", mode: .push, endpoint: "peer"), by: .local)
            _ = try await replicator.run(rule: "all", by: .local)
            let writesAfterFirst = counting.value?.writes ?? 0
            #expect(writesAfterFirst > 0)
            let second = try await replicator.run(rule: "all", by: .local)
            #expect(second.state == .succeeded)
            #expect(counting.value?.writes == writesAfterFirst)
        }
    }

    @Test func aDryRunPlansWithoutSending() async throws {
        try await withReplicationPair { replicator, source, destination in
            let tree = try await SignedIndexFixture.push(source, app)
            try await replicator.setRule(ReplicationRule(name: "all", mode: .push, endpoint: "peer"), by: .local)
            let execution = try await replicator.run(rule: "all", dryRun: true, by: .local)
            #expect(execution.dryRun && execution.skipped == 1)
            let task = try #require(try replicator.tasks(of: execution.id).first)
            #expect(task.state == .skipped && task.detail?.hasPrefix("dry run") == true)
            #expect(task.artifacts == tree.all.count)
            #expect(try destination.catalog().items.isEmpty)
        }
    }

    @Test func conflictSkipLeavesTheDestinationsTagAlone() async throws {
        try await withReplicationPair { replicator, source, destination in
            _ = try await SignedIndexFixture.push(source, app)
            let theirs = try await makeImage(destination, app, seed: 500)
            _ = try await destination.putManifest(theirs.bytes, contentType: ociManifest, in: app, reference: .tag(tag("v1")))
            try await replicator.setRule(ReplicationRule(name: "careful", mode: .push, endpoint: "peer", conflict: .skip), by: .local)
            let execution = try await replicator.run(rule: "careful", by: .local)
            #expect(execution.skipped == 1)
            #expect(try destination.manifestRecord(.tag(tag("v1")), in: app).digest == theirs.digest)
            let task = try #require(try replicator.tasks(of: execution.id).first)
            #expect(task.detail?.contains("conflict: skip") == true)
        }
    }

    @Test func conflictOverrideMovesTheDestinationsTag() async throws {
        try await withReplicationPair { replicator, source, destination in
            let tree = try await SignedIndexFixture.push(source, app)
            let theirs = try await makeImage(destination, app, seed: 500)
            _ = try await destination.putManifest(theirs.bytes, contentType: ociManifest, in: app, reference: .tag(tag("v1")))
            try await replicator.setRule(ReplicationRule(name: "mirror", mode: .push, endpoint: "peer"), by: .local)
            #expect(try await replicator.run(rule: "mirror", by: .local).succeeded == 1)
            #expect(try destination.manifestRecord(.tag(tag("v1")), in: app).digest == tree.index)
        }
    }

    @Test func signedOnlyPresentHoldsBackUnsignedSubjects() async throws {
        try await withReplicationPair { replicator, source, destination in
            let tree = try await SignedIndexFixture.push(source, app)
            let unsigned = try await makeImage(source, app, seed: 300)
            _ = try await source.putManifest(unsigned.bytes, contentType: ociManifest, in: app, reference: .tag(tag("unsigned")))
            try await replicator.setRule(ReplicationRule(name: "signed", mode: .push, endpoint: "peer", signedOnly: .present), by: .local)
            let execution = try await replicator.run(rule: "signed", by: .local)
            #expect(execution.succeeded == 1 && execution.skipped == 1)
            #expect(try destination.manifestRecord(.tag(tag("v1")), in: app).digest == tree.index)
            #expect(try destination.index.resolve(tag: tag("unsigned"), in: app) == nil)
            let skipped = try #require(try replicator.tasks(of: execution.id).first { $0.state == .skipped })
            #expect(skipped.detail?.contains("not signed") == true)
        }
    }

    @Test func aNamespacedRuleWritesUnderTheNamespace() async throws {
        try await withReplicationPair { replicator, source, destination in
            let tree = try await SignedIndexFixture.push(source, app)
            try await replicator.setRule(ReplicationRule(name: "mirror", mode: .push, endpoint: "peer", namespace: "mirror"), by: .local)
            _ = try await replicator.run(rule: "mirror", by: .local)
            let mirrored = repo("mirror/team/app")
            #expect(try destination.manifestRecord(.tag(tag("v1")), in: mirrored).digest == tree.index)
            #expect(treeFacts(try destination.accessories(of: .digest(tree.index), in: mirrored)) == treeFacts(try source.accessories(of: .digest(tree.index), in: app)))
        }
    }

    @Test func aPullRunBringsTheTreeFromTheEndpoint() async throws {
        try await withReplicationPair { replicator, local, remote in
            let tree = try await SignedIndexFixture.push(remote, app)
            try await replicator.setRule(ReplicationRule(name: "fetch", mode: .pull, endpoint: "peer"), by: .local)
            let execution = try await replicator.run(rule: "fetch", by: .local)
            #expect(execution.state == .succeeded)
            #expect(treeFacts(try local.accessories(of: .digest(tree.index), in: app)) == treeFacts(try remote.accessories(of: .digest(tree.index), in: app)))
        }
    }

    @Test func aFailingDestinationEndsTheTaskFailedAfterItsAttemptsAndTheNextRunCompletes() async throws {
        let failing = Box<FailingDestination?>(nil)
        try await withReplicationPair(destination: { peer in
            let wrapper = FailingDestination(peer)
            failing.value = wrapper
            return wrapper
        }) { replicator, source, destination in
            let tree = try await SignedIndexFixture.push(source, app)
            try await replicator.setRule(ReplicationRule(name: "all", mode: .push, endpoint: "peer"), by: .local)
            let first = try await replicator.run(rule: "all", by: .local)
            #expect(first.state == .failed && first.failed == 1)
            let task = try #require(try replicator.tasks(of: first.id).first)
            #expect(task.state == .failed)
            #expect(task.attempts == replicator.maximumAttempts)
            #expect(task.error?.contains("500") == true)
            #expect(try source.manifestRecord(.tag(tag("v1")), in: app).digest == tree.index)
            failing.value?.heal()
            let second = try await replicator.run(rule: "all", by: .local)
            #expect(second.state == .succeeded)
            #expect(treeFacts(try destination.accessories(of: .digest(tree.index), in: app)).count == 4)
        }
    }

    @Test func anUnreachableEndpointFailsTheExecutionWithItsReason() async throws {
        try await withReplicationPair { replicator, source, _ in
            _ = try await SignedIndexFixture.push(source, app)
            try await replicator.setEndpoint(ReplicationEndpoint(name: "gone", url: "http://nowhere", insecure: true), password: nil, by: .local)
            try await replicator.setRule(ReplicationRule(name: "lost", mode: .push, endpoint: "gone"), by: .local)
            let execution = try await replicator.run(rule: "lost", by: .local)
            #expect(execution.state == .failed)
            #expect(execution.error?.contains("no peer") == true)
        }
    }

    @Test func everyChangeAndRunIsAudited() async throws {
        try await withReplicationPair { replicator, source, _ in
            _ = try await SignedIndexFixture.push(source, app)
            try await replicator.setRule(ReplicationRule(name: "all", mode: .push, endpoint: "peer"), by: AuditActor(name: "alice"))
            _ = try await replicator.run(rule: "all", by: AuditActor(name: "alice"))
            let details = try source.access.auditLog().filter { $0.action == "replication" }.map(\.detail)
            #expect(details.contains("endpoint peer set"))
            #expect(details.contains("rule all set"))
            #expect(details.contains { $0?.hasPrefix("rule all run 1 started") == true })
            #expect(details.contains { $0?.hasPrefix("rule all run 1 succeeded") == true })
        }
    }

    @Test func aRuleOnAnUnknownEndpointIsRefusedWithTheFieldNamed() async throws {
        try await withReplicationPair { replicator, _, _ in
            await #expect {
                try await replicator.setRule(ReplicationRule(name: "r", mode: .push, endpoint: "nowhere"), by: .local)
            } throws: { error in
                guard case RegistryError.invalidPolicy(let message) = error else { return false }
                return message.contains("endpoint:")
            }
            #expect(replicator.settings.rules.isEmpty)
        }
    }

    @Test func concurrentRuleChangesAreAllKept() async throws {
        try await withReplicationPair { replicator, _, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for number in 0..<20 {
                    group.addTask { try await replicator.setRule(ReplicationRule(name: "rule-\(number)", mode: .push, endpoint: "peer"), by: .local) }
                }
                try await group.waitForAll()
            }
            #expect(replicator.settings.rules.count == 20)
            let reopened = try await Replicator(registry: replicator.registry, transport: replicator.transport)
            #expect(reopened.settings.rules.count == 20)
        }
    }

    @Test func anEndpointARuleUsesCannotBeRemoved() async throws {
        try await withReplicationPair { replicator, _, _ in
            try await replicator.setRule(ReplicationRule(name: "all", mode: .push, endpoint: "peer"), by: .local)
            await #expect(throws: RegistryError.self) { try await replicator.removeEndpoint("peer", by: .local) }
            #expect(replicator.settings.endpoint("peer") != nil)
        }
    }
}

/// What replication keeps across a restart: settings, secrets (in their own file only),
/// executions and tasks, the time of each rule's last run.
@Suite struct ReplicationPersistenceTests {
    let app = repo("team/app")

    @Test func theSecretLivesInAnOwnerOnlyFileAndNeverInTheIndex() async throws {
        try await withRegistry { registry, root in
            let replicator = try await Replicator(registry: registry, transport: InProcessTransport(peers: [:]))
            let secret = "s3cret-\(UUID().uuidString)"
            try await replicator.setEndpoint(ReplicationEndpoint(name: "peer", url: "https://registry.example", username: "robot"),
                                             password: secret, by: .local)
            let file = registry.layout.replicationCredentials
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            let folder = try FileManager.default.attributesOfItem(atPath: (file as NSString).deletingLastPathComponent)
            #expect((folder[.posixPermissions] as? Int) == 0o700)
            #expect(replicator.hasSecret("peer"))
            let needle = Array(secret.utf8)
            for path in filesBelow(root.path).map({ "\(root.path)/\($0)" }) where path != file {
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
                #expect(!bytes.containsSubsequence(needle), "the secret is in \(path)")
            }
        }
    }

    @Test func settingsSecretsAndRecordsSurviveAReopen() async throws {
        try await withRestartableSource { source, _ in
            let executionID: Int64
            do {
                let (registry, replicator) = try await source.open()
                try await replicator.setEndpoint(ReplicationEndpoint(name: "peer", url: "http://destination", username: "robot", insecure: true),
                                                 password: "pw", by: .local)
                try await replicator.setRule(ReplicationRule(name: "all", mode: .push, endpoint: "peer"), by: .local)
                _ = try await SignedIndexFixture.push(registry, app)
                executionID = try await replicator.run(rule: "all", by: .local).id
                await registry.close()
            }
            let (registry, replicator) = try await source.open()
            #expect(replicator.settings.rule("all")?.endpoint == "peer")
            #expect(replicator.credentials.credential(for: "peer") == ReplicationCredential(username: "robot", password: "pw"))
            let execution = try #require(try replicator.execution(executionID))
            #expect(execution.state == .succeeded && execution.tasks == 1)
            #expect(try replicator.tasks(of: executionID).map(\.state) == [.succeeded])
            #expect(replicator.lastRun(of: "all") == execution.startedAt.truncatedToMilliseconds)
            await registry.close()
        }
    }

    @Test func anExecutionLeftRunningByACrashIsStoppedOnTheNextStart() async throws {
        try await withRegistry { registry, _ in
            let replicator = try await Replicator(registry: registry, transport: InProcessTransport(peers: [:]))
            let crashed = ReplicationExecution(id: 7, rule: "all", trigger: "manual", dryRun: false, startedAt: Date())
            try await replicator.save(crashed)
            let restarted = try await Replicator(registry: registry, transport: InProcessTransport(peers: [:]))
            let execution = try #require(try restarted.execution(7))
            #expect(execution.state == .stopped)
            #expect(execution.endedAt != nil)
            #expect(try restarted.executions().first?.id == 7)
        }
    }

    @Test func executionIDsKeepIncreasingAcrossRestarts() async throws {
        try await withReplicationPair { replicator, source, _ in
            _ = try await SignedIndexFixture.push(source, app)
            try await replicator.setRule(ReplicationRule(name: "all", mode: .push, endpoint: "peer"), by: .local)
            let first = try await replicator.run(rule: "all", by: .local)
            let restarted = try await Replicator(registry: source, transport: replicator.transport)
            let second = try await restarted.run(rule: "all", by: .local)
            #expect(second.id > first.id)
            #expect(try restarted.executions().map(\.id) == [second.id, first.id])
        }
    }

    @Test func theHistoryKeepsTheNewestExecutionsWithTheirTasks() async throws {
        try await withReplicationPair { replicator, source, _ in
            _ = try await SignedIndexFixture.push(source, app)
            let short = try await Replicator(registry: source, transport: replicator.transport, keptExecutions: 3)
            try await short.setRule(ReplicationRule(name: "all", mode: .push, endpoint: "peer"), by: .local)
            var ids: [Int64] = []
            for _ in 0..<5 { ids.append(try await short.run(rule: "all", by: .local).id) }
            #expect(try short.executions().map(\.id) == Array(ids.suffix(3).reversed()))
            #expect(try short.tasks(of: ids[0]).isEmpty)
            #expect(try short.tasks(of: ids[4]).count == 1)
        }
    }

    @Test func aScheduledRuleIsDueAnIntervalAfterItsLastRecordedRunEvenAfterARestart() async throws {
        try await withReplicationPair { replicator, _, _ in
            try await replicator.setRule(ReplicationRule(name: "hourly", mode: .push, endpoint: "peer",
                                                         trigger: .init(kind: .scheduled, intervalSeconds: 3600)), by: .local)
            try await replicator.setRule(ReplicationRule(name: "manual", mode: .push, endpoint: "peer"), by: .local)
            let now = replicator.registry.configuration.clock.now()
            #expect(replicator.dueScheduledRules(at: now) == ["hourly"])
            let run = try await replicator.run(rule: "hourly", trigger: "scheduled", by: .scheduler)
            #expect(replicator.dueScheduledRules(at: run.startedAt.addingTimeInterval(60)).isEmpty)
            let restarted = try await Replicator(registry: replicator.registry, transport: replicator.transport)
            #expect(restarted.dueScheduledRules(at: run.startedAt.addingTimeInterval(60)).isEmpty)
            #expect(restarted.dueScheduledRules(at: run.startedAt.addingTimeInterval(3601)) == ["hourly"])
        }
    }

    @Test func aDisabledScheduledRuleIsNeverDue() async throws {
        try await withReplicationPair { replicator, _, _ in
            try await replicator.setRule(ReplicationRule(name: "hourly", mode: .push, endpoint: "peer",
                                                         trigger: .init(kind: .scheduled, intervalSeconds: 3600), enabled: false), by: .local)
            #expect(replicator.dueScheduledRules(at: Date()).isEmpty)
        }
    }
}

/// A value a test's closures fill in.
final class Box<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs in the bytes.
    func containsSubsequence(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, count >= needle.count else { return false }
        for start in 0...(count - needle.count) where self[start] == needle[0] {
            if Array(self[start..<(start + needle.count)]) == needle { return true }
        }
        return false
    }
}

extension Date {
    /// The date as the index stores it (whole milliseconds).
    var truncatedToMilliseconds: Date { Date(millisecondsSince1970: millisecondsSince1970) }
}
