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
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await registry.runMaintenance()
                // Timed from the last collection the index recorded, so restarts more frequent
                // than the interval do not postpone collections for ever.
                if let interval = registry.policies.garbageCollection.intervalSeconds,
                   Date().timeIntervalSince(registry.lastCollection() ?? .distantPast) >= Double(interval) {
                    // A shutdown cancels the collection between its steps rather than wait for it.
                    let report = try await cancelWhenGracefulShutdown {
                        try await GarbageCollector(registry: registry).run(registry.policies.garbageCollection.options(dryRun: false))
                    }
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
