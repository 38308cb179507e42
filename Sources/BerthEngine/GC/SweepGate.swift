import Synchronization

/// Keeps garbage collection's file sweep and the pushes that link blobs from overlapping.
///
/// A push holds the gate shared from the moment its blob file is committed until the index
/// links it; the sweep holds it exclusive while it decides which files no link names and
/// deletes them. So a blob linked by a push in flight is never swept: either the push linked
/// it before the sweep looked, or the push waits until the sweep is done (and then re-creates
/// the file if it was swept, since commit writes it again when absent).
///
/// Writer preference: once a sweep is waiting, new pushes queue behind it, so a busy registry
/// cannot starve GC; the sweep itself is short (a scan of links and some unlinks).
final class SweepGate: Sendable {
    private struct State {
        var pushes = 0
        var sweeping = false
        var sweepWaiting: CheckedContinuation<Void, Never>?
        var pushesWaiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Runs `body` as a push: concurrently with other pushes, never during a sweep.
    func push<T, Failure: Error>(_ body: () async throws(Failure) -> T) async throws(Failure) -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let admitted = state.withLock { state in
                guard !state.sweeping && state.sweepWaiting == nil else {
                    state.pushesWaiting.append(continuation)
                    return false
                }
                state.pushes += 1
                return true
            }
            if admitted { continuation.resume() }
        }
        defer { leavePush() }
        return try await body()
    }

    /// Runs `body` as the sweep: alone, after the pushes in progress end.
    func sweep<T, Failure: Error>(_ body: () async throws(Failure) -> T) async throws(Failure) -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let admitted = state.withLock { state in
                guard state.pushes == 0 else {
                    state.sweepWaiting = continuation
                    return false
                }
                state.sweeping = true
                return true
            }
            if admitted { continuation.resume() }
        }
        defer { leaveSweep() }
        return try await body()
    }

    private func leavePush() {
        let sweep: CheckedContinuation<Void, Never>? = state.withLock { state in
            state.pushes -= 1
            guard state.pushes == 0, let waiting = state.sweepWaiting else { return nil }
            state.sweepWaiting = nil
            state.sweeping = true
            return waiting
        }
        sweep?.resume()
    }

    private func leaveSweep() {
        let pushes: [CheckedContinuation<Void, Never>] = state.withLock { state in
            state.sweeping = false
            let waiting = state.pushesWaiting
            state.pushesWaiting = []
            state.pushes += waiting.count
            return waiting
        }
        pushes.forEach { $0.resume() }
    }
}
