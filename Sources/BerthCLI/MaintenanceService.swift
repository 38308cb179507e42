import BerthEngine
import Foundation
import Logging
import ServiceLifecycle

/// Expires idle upload sessions once a minute, and runs garbage collection on the schedule the
/// policies set (changed policies apply from the next check, without a restart).
struct MaintenanceService: Service {
    let registry: Registry
    let logger: Logger

    func run() async throws {
        var lastCollection = ContinuousClock.now
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await registry.runMaintenance()
                if let interval = registry.policies.garbageCollection.intervalSeconds,
                   ContinuousClock.now - lastCollection >= .seconds(interval) {
                    lastCollection = ContinuousClock.now
                    let report = try await GarbageCollector(registry: registry)
                        .run(registry.policies.garbageCollection.options(dryRun: false))
                    logger.notice("scheduled garbage collection", metadata: [
                        "manifests": .stringConvertible(report.manifests.count),
                        "blobs": .stringConvertible(report.blobs.count),
                        "bytes": .stringConvertible(report.blobBytes + report.manifestBytes),
                    ])
                }
            } catch {
                logger.warning("maintenance failed", metadata: ["error": .string(String(describing: error))])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(60)) }
        }
    }
}
