import Foundation

/// One run of a rule: what started it, when, how it ended, and its totals.
public struct ReplicationExecution: Sendable, Codable, Equatable {
    /// Where a run is.
    public enum State: String, Sendable, Codable {
        /// Still going.
        case running
        /// Every task succeeded or was skipped.
        case succeeded
        /// At least one task failed (the others may have succeeded).
        case failed
        /// Stopped before the end (a shutdown, a crash found on the next start).
        case stopped
    }

    /// Increasing ids, the newest the largest.
    public var id: Int64
    /// The rule run.
    public var rule: String
    /// What started it: `manual`, `scheduled`, `event`.
    public var trigger: String
    /// Whether it only planned (nothing sent).
    public var dryRun: Bool
    /// When it started.
    public var startedAt: Date
    /// When it ended, nil while running.
    public var endedAt: Date?
    /// Where it is.
    public var state: State
    /// Tasks (subjects) planned.
    public var tasks: Int = 0
    /// Tasks done.
    public var succeeded: Int = 0
    /// Tasks failed.
    public var failed: Int = 0
    /// Tasks skipped (already there, a conflicting tag left alone, not signed).
    public var skipped: Int = 0
    /// Tasks held back until their subject can go (event runs).
    public var waiting: Int = 0
    /// Manifests (subjects, children, accessories) planned.
    public var artifacts: Int = 0
    /// Manifests sent or found already at the destination.
    public var artifactsDone: Int = 0
    /// Bytes planned (blobs and manifests).
    public var bytes: Int64 = 0
    /// Bytes sent or found already at the destination.
    public var bytesDone: Int64 = 0
    /// Why the whole run failed (an unreachable endpoint), if it did.
    public var error: String?

    /// A run starting now.
    public init(id: Int64, rule: String, trigger: String, dryRun: Bool, startedAt: Date) {
        self.id = id
        self.rule = rule
        self.trigger = trigger
        self.dryRun = dryRun
        self.startedAt = startedAt
        self.state = .running
    }
}
