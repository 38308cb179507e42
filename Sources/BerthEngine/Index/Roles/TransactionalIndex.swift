/// Transactions over the index: the one way to change it.
///
/// Contract every implementation keeps (the behavioural suite in `IndexContractTests` checks it):
/// - `write` runs `body` as one atomic transaction: when it returns, every write of `body` is
///   durable (invariants 2 and 3); when `body` throws, none of them is visible, and the error
///   is rethrown. Concurrent writes may share one commit (group commit), never a rollback.
/// - `read` sees one consistent snapshot and never blocks writers.
/// - `body` may run on another thread than the caller's, never on the cooperative pool's
///   threads for longer than the index's own work.
public protocol TransactionalIndex: Sendable {
    /// Runs `body` in a read transaction (a snapshot).
    func read<T>(_ body: (any IndexReadTransaction) throws -> T) throws -> T
    /// Runs `body` as (part of) one durable write transaction and returns its result once
    /// committed.
    func write<T: Sendable>(_ body: @escaping @Sendable (any IndexWriteTransaction) throws -> T) async throws -> T
    /// Stops background work; the index is unusable afterwards.
    func close()
}
