@testable import BerthEngine
import BerthModel
import Foundation
import Testing

/// Event-based replication: the outbox written by the push and delete transactions, drained
/// into executions; signed-only subjects held until signed, in every order of arrival; deletes
/// propagated; events kept across a restart.
@Suite struct ReplicationEventTests {
    let app = repo("team/app")

    func eventRule(signedOnly: ReplicationRule.SignedOnly = .off, propagateDeletes: Bool = false) -> ReplicationRule {
        ReplicationRule(name: "events", mode: .push, endpoint: "peer", signedOnly: signedOnly, propagateDeletes: propagateDeletes,
                        trigger: .init(kind: .event))
    }

    /// Pushes a notation signature of `subject` (size `size`) into `repository`.
    func sign(_ registry: FileRegistry, _ subject: Digest, size: Int, seed: UInt64) async throws -> Digest {
        let signature = try await makeImage(registry, app, seed: seed, artifactType: SignedIndexFixture.notationSignature,
                                            subject: subject, subjectSize: size)
        _ = try await registry.putManifest(signature.bytes, contentType: ociManifest, in: app, reference: .digest(signature.digest))
        return signature.digest
    }

    @Test func pushesAreRecordedOnlyWhileARuleNeedsEvents() async throws {
        try await withReplicationPair { replicator, source, _ in
            _ = try await SignedIndexFixture.push(source, app, tag: "before")
            #expect(replicator.pendingEvents() == 0)
            try await replicator.setRule(eventRule(), by: .local)
            _ = try await SignedIndexFixture.push(source, app, tag: "after", seed: 100)
            #expect(replicator.pendingEvents() == 7)
            try await replicator.removeRule("events", by: .local)
            _ = try await SignedIndexFixture.push(source, app, tag: "later", seed: 200)
            #expect(replicator.pendingEvents() == 7)
        }
    }

    @Test func anEventRuleSendsAPushedTreeAndEmptiesTheOutbox() async throws {
        try await withReplicationPair { replicator, source, destination in
            try await replicator.setRule(eventRule(), by: .local)
            let tree = try await SignedIndexFixture.push(source, app)
            #expect(await replicator.drainOutbox() == 7)
            #expect(replicator.pendingEvents() == 0)
            #expect(treeFacts(try destination.accessories(of: .digest(tree.index), in: app)) == treeFacts(try source.accessories(of: .digest(tree.index), in: app)))
            let execution = try #require(try replicator.executions(rule: "events").first)
            #expect(execution.trigger == "event" && execution.state == .succeeded)
            #expect(execution.tasks == 1)
        }
    }

    @Test func aSignedOnlySubjectWaitsUnsignedAndGoesWithItsFirstSignature() async throws {
        try await withReplicationPair { replicator, source, destination in
            try await replicator.setRule(eventRule(signedOnly: .present), by: .local)
            let image = try await makeImage(source, app, seed: 1)
            _ = try await source.putManifest(image.bytes, contentType: ociManifest, in: app, reference: .tag(tag("v1")))
            await replicator.drainOutbox()
            let held = try #require(try replicator.executions(rule: "events").first)
            #expect(held.waiting == 1 && held.state == .succeeded)
            #expect(try replicator.tasks(of: held.id).first?.state == .waiting)
            #expect(try destination.index.resolve(tag: tag("v1"), in: app) == nil)

            let signature = try await sign(source, image.digest, size: image.bytes.count, seed: 50)
            await replicator.drainOutbox()
            #expect(try destination.manifestRecord(.tag(tag("v1")), in: app).digest == image.digest)
            #expect(try destination.referrers(of: image.digest, in: app).map(\.digest) == [signature])
            // The task that waited now says it went.
            let resolved = try #require(try replicator.tasks(of: held.id).first)
            #expect(resolved.state == .succeeded)
            #expect(try replicator.execution(held.id)?.waiting == 0)
        }
    }

    @Test func aWaitingSubjectDeletedBeforeItsSignatureEndsSkipped() async throws {
        try await withReplicationPair { replicator, source, _ in
            try await replicator.setRule(eventRule(signedOnly: .present, propagateDeletes: true), by: .local)
            let image = try await makeImage(source, app, seed: 1)
            _ = try await source.putManifest(image.bytes, contentType: ociManifest, in: app, reference: .tag(tag("v1")))
            await replicator.drainOutbox()
            let held = try #require(try replicator.executions(rule: "events").first)
            _ = try await source.deleteManifest(image.digest, in: app)
            await replicator.drainOutbox()
            let task = try #require(try replicator.tasks(of: held.id).first)
            #expect(task.state == .skipped)
            #expect(task.detail?.hasPrefix("deleted while waiting") == true)
            #expect(try replicator.execution(held.id)?.waiting == 0)
        }
    }

    @Test func aSignaturePushedLaterGoesAlone() async throws {
        let counting = Box<FailingDestination?>(nil)
        try await withReplicationPair(destination: { peer in
            let wrapper = FailingDestination(peer, failing: false)
            counting.value = wrapper
            return wrapper
        }) { replicator, source, destination in
            try await replicator.setRule(eventRule(signedOnly: .present), by: .local)
            let image = try await makeImage(source, app, seed: 1)
            _ = try await source.putManifest(image.bytes, contentType: ociManifest, in: app, reference: .tag(tag("v1")))
            _ = try await sign(source, image.digest, size: image.bytes.count, seed: 50)
            await replicator.drainOutbox()
            let before = counting.value?.writes ?? 0
            let second = try await sign(source, image.digest, size: image.bytes.count, seed: 60)
            await replicator.drainOutbox()
            // The second signature's config, layer and manifest; nothing of the subject again.
            #expect((counting.value?.writes ?? 0) - before == 3)
            #expect(Set(try destination.referrers(of: image.digest, in: app).map(\.digest)).contains(second))
        }
    }

    @Test func aSignatureOfAnIndexsChildGoesWithTheIndexTree() async throws {
        try await withReplicationPair { replicator, source, destination in
            try await replicator.setRule(eventRule(), by: .local)
            let tree = try await SignedIndexFixture.push(source, app)
            await replicator.drainOutbox()
            // As `cosign sign --recursive` leaves it: a signature of one platform's manifest.
            let signature = try await sign(source, tree.children[0], size: 0, seed: 70)
            await replicator.drainOutbox()
            #expect(try destination.referrers(of: tree.children[0], in: app).map(\.digest) == [signature])
        }
    }

    @Test func aSignaturePushedBeforeItsSubjectWaitsAndGoesAfterIt() async throws {
        try await withReplicationPair { replicator, source, destination in
            try await replicator.setRule(eventRule(signedOnly: .present), by: .local)
            let image = try await makeImage(source, app, seed: 1)
            let signature = try await sign(source, image.digest, size: image.bytes.count, seed: 50)
            await replicator.drainOutbox()
            let held = try #require(try replicator.executions(rule: "events").first)
            let hold = try #require(try replicator.tasks(of: held.id).first)
            #expect(hold.state == .waiting && hold.digest == image.digest.description)
            #expect(try destination.catalog().items.isEmpty)

            _ = try await source.putManifest(image.bytes, contentType: ociManifest, in: app, reference: .tag(tag("v1")))
            await replicator.drainOutbox()
            #expect(try destination.manifestRecord(.tag(tag("v1")), in: app).digest == image.digest)
            #expect(try destination.referrers(of: image.digest, in: app).map(\.digest) == [signature])
            #expect(try replicator.tasks(of: held.id).first?.state == .succeeded)
        }
    }

    @Test func deletingASubjectDeletesItAndItsAccessoriesAtTheDestination() async throws {
        try await withReplicationPair { replicator, source, destination in
            try await replicator.setRule(eventRule(propagateDeletes: true), by: .local)
            let tree = try await SignedIndexFixture.push(source, app)
            await replicator.drainOutbox()
            _ = try await source.deleteManifest(tree.index, in: app)
            await replicator.drainOutbox()
            for digest in [tree.index, tree.tagSchemeSignature, tree.referrerSignature, tree.sbom, tree.sbomSignature] {
                #expect(try destination.index.manifest(digest, in: app) == nil, "\(digest) is still at the destination")
            }
            let execution = try #require(try replicator.executions(rule: "events").first)
            #expect(try replicator.tasks(of: execution.id).first?.action == .delete)
        }
    }

    @Test func deletingOneSignatureDeletesOnlyThatSignatureThere() async throws {
        try await withReplicationPair { replicator, source, destination in
            try await replicator.setRule(eventRule(propagateDeletes: true), by: .local)
            let tree = try await SignedIndexFixture.push(source, app)
            await replicator.drainOutbox()
            _ = try await source.deleteAccessory(tree.referrerSignature, of: tree.index, in: app)
            await replicator.drainOutbox()
            #expect(try destination.index.manifest(tree.referrerSignature, in: app) == nil)
            #expect(try destination.index.manifest(tree.index, in: app) != nil)
            #expect(try destination.index.manifest(tree.sbomSignature, in: app) != nil)
        }
    }

    @Test func deletingATagDeletesThatTagThereAndKeepsTheManifest() async throws {
        try await withReplicationPair { replicator, source, destination in
            try await replicator.setRule(eventRule(propagateDeletes: true), by: .local)
            let tree = try await SignedIndexFixture.push(source, app)
            _ = try await source.putManifest(try source.manifest(.digest(tree.index), in: app).bytes, contentType: ociIndex, in: app,
                                             reference: .tag(tag("latest")))
            await replicator.drainOutbox()
            try await source.deleteTag(tag("latest"), in: app)
            await replicator.drainOutbox()
            #expect(try destination.index.resolve(tag: tag("latest"), in: app) == nil)
            #expect(try destination.index.resolve(tag: tag("v1"), in: app) == tree.index)
            let execution = try #require(try replicator.executions(rule: "events").first)
            #expect(try replicator.tasks(of: execution.id).first?.action == .untag)
        }
    }

    @Test func withoutDeletePropagationADeleteStaysAtTheSource() async throws {
        try await withReplicationPair { replicator, source, destination in
            try await replicator.setRule(eventRule(), by: .local)
            let tree = try await SignedIndexFixture.push(source, app)
            await replicator.drainOutbox()
            _ = try await source.deleteManifest(tree.index, in: app)
            await replicator.drainOutbox()
            #expect(try destination.index.manifest(tree.index, in: app) != nil)
        }
    }

    @Test func aRetentionDeletePropagatesJudgedByTheTagsItRemoved() async throws {
        try await withReplicationPair { replicator, source, destination in
            try await replicator.setRule(ReplicationRule(name: "events", mode: .push, endpoint: "peer", tags: "v*", propagateDeletes: true,
                                                         trigger: .init(kind: .event)), by: .local)
            var pushed: [Digest] = []
            for (number, name) in ["v1", "v2"].enumerated() {
                let image = try await makeImage(source, app, seed: UInt64(number + 1))
                _ = try await source.putManifest(image.bytes, contentType: ociManifest, in: app, reference: .tag(tag(name)))
                pushed.append(image.digest)
                // Distinct push times: retention keeps the latest.
                try await Task.sleep(for: .milliseconds(5))
            }
            let signature = try await sign(source, pushed[0], size: 0, seed: 50)
            await replicator.drainOutbox()
            #expect(try destination.index.manifest(pushed[0], in: app) != nil)
            try await source.updatePolicies { $0.retention = [RetentionRule(repositories: "team/app", tags: "v*", keepLatest: 1)] }
            let report = try await source.runRetention(dryRun: false)
            #expect(report.tags == ["team/app:v1"])
            await replicator.drainOutbox()
            #expect(try destination.index.manifest(pushed[0], in: app) == nil)
            #expect(try destination.index.manifest(signature, in: app) == nil)
            #expect(try destination.index.manifest(pushed[1], in: app) != nil)
        }
    }

    @Test func aDestinationThatHangsHoldsBackOnlyItsOwnRule() async throws {
        try await withRegistry { hanging, _ in
            try await withReplicationPair { _, source, destination in
                let gate = HangingDestination(LocalReplicationPeer(registry: hanging, actor: "replication"))
                let transport = InProcessTransport(peers: ["http://destination": LocalReplicationPeer(registry: destination, actor: "replication"),
                                                           "http://hanging": gate])
                let events = try await Replicator(registry: source, transport: transport, retryDelay: .milliseconds(10))
                try await events.setEndpoint(ReplicationEndpoint(name: "peer", url: "http://destination", insecure: true), password: nil, by: .local)
                try await events.setEndpoint(ReplicationEndpoint(name: "stuck", url: "http://hanging", insecure: true), password: nil, by: .local)
                try await events.setRule(eventRule(), by: .local)
                try await events.setRule(ReplicationRule(name: "slow", mode: .push, endpoint: "stuck", trigger: .init(kind: .event)), by: .local)
                let image = try await makeImage(source, app, seed: 1)
                _ = try await source.putManifest(image.bytes, contentType: ociManifest, in: app, reference: .tag(tag("v1")))
                events.startOutboxDrains()
                var arrived = false
                for _ in 0..<500 where !arrived {
                    arrived = try destination.index.resolve(tag: tag("v1"), in: app) == image.digest
                    if !arrived { try await Task.sleep(for: .milliseconds(20)) }
                }
                #expect(arrived, "the working rule's destination got the push while the other hung")
                #expect(try hanging.index.resolve(tag: tag("v1"), in: app) == nil)
                // The hanging rule has not passed the event: it stays in the outbox.
                #expect(events.pendingEvents() == 1)
                gate.release()
                await events.shutdown()
            }
        }
    }

    @Test func aDeleteOnTheDataRootWithoutReplicationRunningIsRecordedAndPropagatedLater() async throws {
        try await withRestartableSource { source, destination in
            let tree: SignedIndexFixture
            do {
                let (registry, replicator) = try await source.open()
                try await replicator.setRule(eventRule(propagateDeletes: true), by: .local)
                tree = try await SignedIndexFixture.push(registry, app)
                await replicator.drainOutbox()
                await registry.close()
            }
            // `berth … --root`: the registry alone, no replicator.
            do {
                let registry = try await source.root.open()
                _ = try await registry.deleteManifest(tree.index, in: app)
                await registry.close()
            }
            let (registry, replicator) = try await source.open()
            await replicator.drainOutbox()
            #expect(try destination.index.manifest(tree.index, in: app) == nil)
            #expect(try destination.index.manifest(tree.sbomSignature, in: app) == nil)
            await registry.close()
        }
    }

    @Test func garbageCollectionPropagatesNothing() async throws {
        try await withReplicationPair { replicator, source, _ in
            try await replicator.setRule(eventRule(propagateDeletes: true), by: .local)
            let image = try await makeImage(source, app, seed: 1)
            _ = try await source.putManifest(image.bytes, contentType: ociManifest, in: app, reference: .digest(image.digest))
            await replicator.drainOutbox()
            let collected = try await GarbageCollector(registry: source).run(.init(collectUntagged: true), now: Date().addingTimeInterval(2 * 86_400))
            #expect(collected.manifests == ["team/app@\(image.digest)"])
            #expect(replicator.pendingEvents() == 0)
        }
    }

    @Test func anEventRecordedBeforeACrashIsDrainedAfterTheRestart() async throws {
        try await withRestartableSource { source, destination in
            let tree: SignedIndexFixture
            do {
                let (registry, replicator) = try await source.open()
                try await replicator.setRule(eventRule(), by: .local)
                tree = try await SignedIndexFixture.push(registry, app)
                await registry.close()
            }
            let (registry, replicator) = try await source.open()
            #expect(replicator.pendingEvents() == 7)
            await replicator.drainOutbox()
            #expect(treeFacts(try destination.accessories(of: .digest(tree.index), in: app)).count == 4)
            // Keys continue past the stored ones: a new event sorts after every old one.
            _ = try await SignedIndexFixture.push(registry, app, tag: "v2", seed: 100)
            #expect(replicator.pendingEvents() == 7)
            await registry.close()
        }
    }

    @Test func aFailingDestinationFailsTheEventTaskAndTheNextEventRetriesIt() async throws {
        let failing = Box<FailingDestination?>(nil)
        try await withReplicationPair(destination: { peer in
            let wrapper = FailingDestination(peer)
            failing.value = wrapper
            return wrapper
        }) { replicator, source, destination in
            try await replicator.setRule(eventRule(), by: .local)
            let image = try await makeImage(source, app, seed: 1)
            _ = try await source.putManifest(image.bytes, contentType: ociManifest, in: app, reference: .tag(tag("v1")))
            await replicator.drainOutbox()
            let failed = try #require(try replicator.executions(rule: "events").first)
            #expect(failed.state == .failed)
            #expect(try replicator.tasks(of: failed.id).first?.error?.contains("500") == true)
            #expect(replicator.pendingEvents() == 0)
            failing.value?.heal()
            _ = try await sign(source, image.digest, size: image.bytes.count, seed: 50)
            await replicator.drainOutbox()
            #expect(try destination.manifestRecord(.tag(tag("v1")), in: app).digest == image.digest)
        }
    }
}
