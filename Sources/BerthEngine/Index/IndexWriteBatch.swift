/// One write transaction of the index, as an implementation reports it to the engine's
/// figures: how many writes shared it (group commit), how long its durable commit took, which
/// of its writes failed, and the index's figures as it left them.
public struct IndexWriteBatch: Sendable {
    /// Writes (calls of `write`) the transaction carried.
    public var jobs: Int
    /// Time to commit it durably (zero when it never began).
    public var commitDuration: Duration
    /// The errors of the writes that failed: one per failed write, all of them when the
    /// transaction itself failed.
    public var failures: [RegistryError]
    /// The index's figures after the transaction (nil when it failed, or where unknown).
    public var figures: IndexFigures?

    /// A report of a transaction of `jobs` writes.
    public init(jobs: Int, commitDuration: Duration, failures: [RegistryError], figures: IndexFigures?) {
        self.jobs = jobs
        self.commitDuration = commitDuration
        self.failures = failures
        self.figures = figures
    }
}
