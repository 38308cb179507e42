import BerthEngine
import Foundation
import ServiceLifecycle

/// Starts scheduled replication rules when they are due (checked every second, timed from the
/// last run the index recorded, so restarts do not postpone them), and stops the runs going
/// on when the server shuts down.
struct ReplicationService: Service {
    let replicator: Replicator<FileBlobStore>

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await replicator.runDueSchedules()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
        }
        await replicator.shutdown()
    }
}
