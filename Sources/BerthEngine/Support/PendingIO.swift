import Dispatch
import Synchronization

/// A blocking call handed to a dispatch queue at once, awaited later.
///
/// `Registry.io` runs its body from a task, so the call starts only once that task gets a
/// thread of the cooperative pool; with two cores busy hashing and taking in a body, that is
/// late. Submitting straight from the calling thread starts it now; `result()` suspends only
/// if the call is still running. The ingest keeps its disk writes and its hashes on two serial
/// queues this way (`IngestQueues`).
final class PendingIO: Sendable {
    private enum State {
        case running(CheckedContinuation<RegistryError?, Never>?)
        case done(RegistryError?)
    }

    private let state = Mutex(State.running(nil))

    /// Starts `body` on `queue` (a serial queue runs such calls one after another, in order).
    init(on queue: DispatchQueue, _ body: @escaping @Sendable () throws -> Void) {
        queue.async { [self] in
            do {
                try body()
                complete(nil)
            } catch {
                complete(RegistryError(error))
            }
        }
    }

    /// The call's failure, or nil once it succeeded.
    func result() async -> RegistryError? {
        await withCheckedContinuation { continuation in
            let ready: RegistryError?? = state.withLock { state in
                switch state {
                case .done(let error): return .some(error)
                case .running:
                    state = .running(continuation)
                    return .none
                }
            }
            if case .some(let error) = ready { continuation.resume(returning: error) }
        }
    }

    /// The call's failure if it has finished and failed; nil while it runs or once it succeeded.
    /// For a job behind this one on the same serial queue, where it has always finished.
    var failureIfFinished: RegistryError? {
        state.withLock { state in
            if case .done(let error) = state { return error }
            return nil
        }
    }

    private func complete(_ error: RegistryError?) {
        let waiting: CheckedContinuation<RegistryError?, Never>? = state.withLock { state in
            guard case .running(let continuation) = state else { return nil }
            state = .done(error)
            return continuation
        }
        waiting?.resume(returning: error)
    }
}
