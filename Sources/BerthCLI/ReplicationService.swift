import BerthEngine
import Foundation
import ServiceLifecycle

/// Replication's background work in `berth serve`: starts scheduled rules when they are due
/// (checked every second, timed from the last run the index recorded, so restarts do not
/// postpone them), drains the outbox of event-based replication (each rule's drain started
/// five times a second unless it runs), and stops what is going on when the server shuts down (an event half
/// done stays in the outbox and is replayed on the next start).
struct ReplicationService: Service {
    let replicator: Replicator<FileBlobStore>

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled && !Task.isShuttingDownGracefully {
                    await replicator.runDueSchedules()
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
                }
            }
            group.addTask {
                // Each rule drains in a task of its own, started again while it has events:
                // a slow destination holds back only its rule.
                while !Task.isCancelled && !Task.isShuttingDownGracefully {
                    replicator.startOutboxDrains()
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(200)) }
                }
            }
        }
        await replicator.shutdown()
    }
}
