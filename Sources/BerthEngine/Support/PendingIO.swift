import NIOPosix
import Synchronization

/// A blocking call handed to the I/O threads at once, awaited later.
///
/// `Registry.io` runs its body from a task, so the call starts only once that task gets a
/// thread of the cooperative pool. With two cores, one hashing and one taking in the body,
/// that is after the hash: the disk write and the hash then run one after the other. Submitting
/// straight from the calling thread lets them overlap; `result()` suspends only if the call is
/// still running.
final class PendingIO: Sendable {
    private enum State {
        case running(CheckedContinuation<RegistryError?, Never>?)
        case done(RegistryError?)
    }

    private let state = Mutex(State.running(nil))

    /// Starts `body` on `pool` now.
    init(on pool: NIOThreadPool, _ body: @escaping @Sendable () throws -> Void) {
        pool.submit { [self] work in
            guard case .active = work else {
                complete(.storage("the I/O threads are shutting down"))
                return
            }
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

    private func complete(_ error: RegistryError?) {
        let waiting: CheckedContinuation<RegistryError?, Never>? = state.withLock { state in
            guard case .running(let continuation) = state else { return nil }
            state = .done(error)
            return continuation
        }
        waiting?.resume(returning: error)
    }
}
