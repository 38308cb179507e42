import Dispatch

/// Runs blocking work (waiting for a child process, reading its pipes to the end) on a
/// dispatch thread and suspends until it is done.
///
/// Why: the whole suite runs in one process whose cooperative pool has one thread per core (two
/// here). A test that waits for skopeo or curl on one of them holds it for seconds, and with two
/// such tests every in-process server of every other suite stops answering, so a loaded machine
/// turned into read time-outs everywhere. Tests never block the pool.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}
