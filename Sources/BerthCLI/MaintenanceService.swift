import BerthEngine
import Foundation
import Logging
import ServiceLifecycle

/// Expires idle upload sessions once a minute, and runs garbage collection on the schedule the
/// policies set (changed policies apply from the next check, without a restart).
struct MaintenanceService: Service {
    let registry: FileRegistry
    let logger: Logger

    func run() async throws {
        // When this process last tried a collection: one that fails waits the interval too.
        var lastAttempt: ContinuousClock.Instant?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await registry.runMaintenance()
                if let interval = registry.policies.garbageCollection.intervalSeconds,
                   isDue(interval: interval, lastAttempt: lastAttempt) {
                    lastAttempt = .now
                    // A shutdown cancels the collection between its steps rather than wait for it.
                    let report = try await cancelWhenGracefulShutdown {
                        try await registry.administration.collectGarbage(dryRun: false, by: .scheduler)
                    }
                    logger.notice("scheduled garbage collection", metadata: [
                        "manifests": .stringConvertible(report.manifests.count),
                        "blobs": .stringConvertible(report.blobs.count),
                        "bytes": .stringConvertible(report.blobBytes + report.manifestBytes),
                    ])
                }
            } catch RegistryError.cancelled {
                logger.notice("scheduled garbage collection stopped for the shutdown")
            } catch {
                logger.warning("maintenance failed", metadata: ["error": .string(String(describing: error))])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(60)) }
        }
    }

    /// Whether a collection is due: timed from the last one the index recorded, so restarts
    /// more frequent than the interval do not postpone collections for ever (a recorded time in
    /// the future, after the clock was set back, counts as due), and from this process's last
    /// attempt, so one that keeps failing is not retried every minute.
    private func isDue(interval: Int, lastAttempt: ContinuousClock.Instant?) -> Bool {
        if let lastAttempt, ContinuousClock.now - lastAttempt < .seconds(interval) { return false }
        guard let recorded = registry.lastCollection() else { return true }
        let elapsed = Date().timeIntervalSince(recorded)
        return elapsed < 0 || elapsed >= Double(interval)
    }
}
