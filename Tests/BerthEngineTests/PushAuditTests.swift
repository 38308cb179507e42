import BerthModel
import Foundation
import Testing
@testable import BerthEngine
import MetricsTestKit

/// A manifest push is audited in its own transaction: one durable commit per acknowledged push,
/// and no audit event for a push that was refused.
@Suite struct PushAuditTests {
    @Test func anAcknowledgedPushIsInTheAuditLogWithItsActorAndDigest() async throws {
        try await withRegistry { registry, _ in
            let image = try await makeImage(registry, repo("app"), seed: 1)
            _ = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"),
                                               reference: .tag(tag("v1")), actor: "alice")
            let pushes = try registry.administration.auditLog(limit: 100).filter { $0.action == "push" && $0.actor == "alice" }
            #expect(pushes.map(\.digest) == [image.digest.description])
            #expect(pushes.first?.repository == "app")
            #expect(pushes.first?.detail == "v1")
        }
    }

    @Test func aRefusedPushLeavesNoAuditEvent() async throws {
        try await withRegistry { registry, _ in
            try await registry.updatePolicies { $0.immutability = [ImmutabilityRule(repositories: "app", tags: "v*")] }
            let first = try await makeImage(registry, repo("app"), seed: 1)
            _ = try await registry.putManifest(first.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
            let other = try await makeImage(registry, repo("app"), seed: 2)
            await #expect(throws: RegistryError.self) {
                try await registry.putManifest(other.bytes, contentType: ociManifest, in: repo("app"),
                                               reference: .tag(tag("v1")), actor: "mallory")
            }
            #expect(try registry.administration.auditLog(limit: 100).allSatisfy { $0.actor != "mallory" })
        }
    }

    @Test func aPushAndItsAuditEventCommitTogether() async throws {
        // One write transaction per push, counted by the engine's own figure.
        let metrics = TestMetrics()
        try await withRegistry(configure: { $0.metricsFactory = metrics }) { registry, _ in
            let image = try await makeImage(registry, repo("app"), seed: 3)
            let before = try registry.administration.auditLog(limit: 1000).count
            let commitsBefore = try metrics.expectCounter("berth_index_write_transactions_total").totalValue
            _ = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
            #expect(try metrics.expectCounter("berth_index_write_transactions_total").totalValue - commitsBefore == 1)
            #expect(try registry.administration.auditLog(limit: 1000).count == before + 1)
        }
    }
}
