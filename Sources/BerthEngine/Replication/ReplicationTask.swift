import Foundation

/// One subject of an execution: the artifact with everything it needs and everything that
/// belongs to it (children, blobs, accessories), replicated as one unit.
public struct ReplicationTask: Sendable, Codable, Equatable {
    /// Where a task is.
    public enum State: String, Sendable, Codable {
        /// Planned, not started.
        case pending
        /// Being sent.
        case running
        /// At the destination, whole.
        case succeeded
        /// Gave up after its attempts; `error` says why.
        case failed
        /// Nothing to do (`detail` says why).
        case skipped
        /// Held back by an event rule until it can go (unsigned under `signedOnly`, or an
        /// accessory whose subject is not here yet); sent, and marked `succeeded`, then.
        case waiting
    }

    /// What a task does at the destination.
    public enum Action: String, Sendable, Codable {
        /// Sends the subject's tree.
        case copy
        /// Deletes manifests (a propagated delete).
        case delete
        /// Deletes tags, their manifest kept (a propagated tag delete).
        case untag
    }

    /// The execution it belongs to.
    public var execution: Int64
    /// Its number in the execution, from 1.
    public var id: Int
    /// The source repository.
    public var repository: String
    /// The destination repository.
    public var destination: String
    /// The subject's digest.
    public var digest: String
    /// The tags that travel with it.
    public var tags: [String]
    /// What it does (nil: `copy`).
    public var action: Action?
    /// Where it is.
    public var state: State = .pending
    /// Attempts made.
    public var attempts: Int = 0
    /// Manifests in its tree (itself, children, accessories).
    public var artifacts: Int = 0
    /// Bytes of its tree.
    public var bytes: Int64 = 0
    /// Bytes sent or found at the destination.
    public var bytesDone: Int64 = 0
    /// When it started and ended.
    public var startedAt: Date?
    /// When it ended.
    public var endedAt: Date?
    /// The destination's (or the source's) error when it failed.
    public var error: String?
    /// Why it was skipped, and other notes.
    public var detail: String?

    /// A planned task.
    public init(execution: Int64, id: Int, repository: String, destination: String, digest: String, tags: [String]) {
        self.execution = execution
        self.id = id
        self.repository = repository
        self.destination = destination
        self.digest = digest
        self.tags = tags
    }
}
