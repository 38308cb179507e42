import Foundation

/// The running count and bytes of a file blob store, exact while commits and deletes go on.
///
/// The first figure comes from a walk of the tree, one fan-out folder (a shard) at a time;
/// later figures from the changes the store reports. A change may happen while the walk runs:
/// it must be counted once, by the walk (the listing saw the file as it ended up) or by its
/// delta (the listing came before it), never both and never neither. So each shard is in one of
/// three states, and a change decides, with the tally's lock held, which of the two counts it:
///
/// - not walked yet: the walk will see the change's result; the delta is dropped. The change
///   registers itself as in flight, and the walk does not start the shard until it is done;
/// - being walked: the change waits (a listing of one shard takes milliseconds);
/// - walked (or the walk is over): the delta is applied.
///
/// Changes before `startWalk` are not counted (the walk sees them). Blocking: the store calls
/// it on its I/O threads only.
final class BlobUsageTally: @unchecked Sendable {
    // @unchecked: every stored property is touched only with `condition` locked.
    private let condition = NSCondition()
    private var tracking = false
    private var stopped = false
    private var walkFinished = false
    private var walked: Set<String> = []
    private var walking: String?
    private var inFlight: [String: Int] = [:]
    private var usage = BlobUsage()
    private var report: (@Sendable (BlobUsage) -> Void)?

    /// What a change decided when it began: whether its delta counts.
    struct Change {
        fileprivate let shard: String
        fileprivate let counts: Bool
    }

    /// Starts a change to a blob of `shard`; pair with `end`.
    func begin(shard: String) -> Change {
        condition.lock()
        defer { condition.unlock() }
        while walking == shard { condition.wait() }
        let counts = tracking && (walkFinished || walked.contains(shard))
        if tracking && !counts { inFlight[shard, default: 0] += 1 }
        return Change(shard: shard, counts: counts)
    }

    /// Ends a change: `blobs` and `bytes` are what it added (negative: removed); zero for a
    /// change that failed.
    func end(_ change: Change, blobs: Int, bytes: Int64) {
        condition.lock()
        defer { condition.unlock() }
        if change.counts {
            guard blobs != 0 || bytes != 0 else { return }
            usage.blobs += blobs
            usage.bytes += bytes
            // During the walk the sum is partial: the first report is the walk's own.
            if walkFinished { report?(usage) }
        } else if let pending = inFlight[change.shard] {
            inFlight[change.shard] = pending > 1 ? pending - 1 : nil
            condition.broadcast()
        }
    }

    /// Begins tracking; `report` gets every figure from the end of the walk on. False when
    /// the tally was stopped.
    func startWalk(report: @escaping @Sendable (BlobUsage) -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped else { return false }
        tracking = true
        self.report = report
        return true
    }

    /// Whether `stop` was called: a walk gives up at its next shard.
    var isStopped: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }

    /// Stops for good: no more reports, and a walk in progress gives up.
    func stop() {
        condition.lock()
        stopped = true
        report = nil
        condition.unlock()
    }

    /// Runs `list` (which returns the blobs and bytes of one shard) with no change to that
    /// shard in flight or starting, then counts its result.
    func walkShard(_ shard: String, _ list: () throws -> BlobUsage) throws {
        condition.lock()
        while inFlight[shard] != nil { condition.wait() }
        walking = shard
        condition.unlock()
        let found = Result { try list() }
        condition.lock()
        walking = nil
        if case .success(let usage) = found {
            walked.insert(shard)
            self.usage.blobs += usage.blobs
            self.usage.bytes += usage.bytes
        }
        condition.broadcast()
        condition.unlock()
        _ = try found.get()
    }

    /// Gives up after a walk failed: nothing is reported, until a new walk.
    func abandonWalk() {
        condition.lock()
        tracking = false
        walkFinished = false
        walked = []
        usage = BlobUsage()
        report = nil
        condition.broadcast()
        condition.unlock()
    }

    /// Ends the walk: every later change counts, and the first figure is reported.
    func finishWalk() {
        condition.lock()
        walkFinished = true
        walked = []
        report?(usage)
        condition.unlock()
    }
}
