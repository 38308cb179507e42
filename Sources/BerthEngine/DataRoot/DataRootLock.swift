import Foundation
import Synchronization

/// Exclusive ownership of a data root by one process, held with `flock` on `berth.lock`.
///
/// The kernel drops the lock when the process dies, so a crash never leaves a root locked.
/// The lock file records the owner's pid, only to make the refusal message useful.
public final class DataRootLock: Sendable {
    private let fd: Int32
    private let released = Mutex(false)
    /// The lock file.
    public let path: String

    /// Takes the lock or fails at once (never waits) with `RegistryError.rootLocked`.
    public init(layout: DataRootLayout) throws(RegistryError) {
        path = layout.lockFile
        let fd: Int32
        do {
            fd = try POSIXFile.open(path, O_RDWR | O_CREAT, mode: 0o640)
        } catch {
            throw .storage(error.description)
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let owner = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            throw .rootLocked("data root \(layout.root) is in use by another berth process\(owner.isEmpty ? "" : " (pid \(owner))"); stop it, or use its admin API")
        }
        self.fd = fd
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        pid.withUnsafeBytes { _ = pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    deinit { release() }

    /// Gives the root up; later calls do nothing.
    public func release() {
        let wasReleased = released.withLock { value in
            defer { value = true }
            return value
        }
        guard !wasReleased else { return }
        flock(fd, LOCK_UN)
        close(fd)
    }
}
