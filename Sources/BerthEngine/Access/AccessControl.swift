import BerthModel
import Foundation
import NIOPosix
import Synchronization

/// Access control, a room of its own: accounts (people and robots), projects and their
/// members, authorization (`allowedActions`), sign-in with its credential cache, and the
/// audit log. Every caller (HTTP, the admin API, the CLI, later the interface and
/// replication) reaches it as `Registry.access`; none decides access itself.
///
/// Its records live in the index (`AccessRecordStore`, `AuditLog`); what they mean is decided
/// here. Guarantees: every method is safe to call concurrently; bcrypt runs on one thread of
/// its own, never on the cooperative pool or the I/O threads; every change is audited with its
/// actor (`AuditActor.local` when none is given).
public final class AccessControl: Sendable {
    /// Where the records live; the catalog answers whether a project holds repositories.
    let index: any MetadataIndex
    /// The wall clock expiries (of accounts, robots and tokens) are judged by.
    public let clock: any RegistryClock
    /// A read-only engine writes no audit events.
    let readOnly: Bool
    /// Where audit events that could not be recorded are counted.
    let metrics: EngineMetrics
    /// Recently verified credentials (SHA-256 of name and password → principal, until).
    let credentialCache = Mutex<[String: (principal: Principal, until: Date)]>([:])
    /// Whether a single-segment repository (project `library`) has been seen: once true, no
    /// authorization looks through the catalog for one again.
    let librarySeenInUse = Mutex(false)
    /// One thread for bcrypt, apart from the I/O threads: password checks are CPU-bound and
    /// slow by design, and a flood of them must not stall blob I/O or take more than a core.
    private let passwordPool: NIOThreadPool

    static let usersKind = "user"
    static let projectsKind = "project"
    static let membersKind = "member"

    /// Access control over `index`'s records, judging time by `clock`, counting into `metrics`.
    public init(index: any MetadataIndex, clock: any RegistryClock = SystemClock(), readOnly: Bool = false,
                metrics: EngineMetrics) {
        self.index = index
        self.metrics = metrics
        self.clock = clock
        self.readOnly = readOnly
        self.passwordPool = NIOThreadPool(numberOfThreads: 1)
        self.passwordPool.start()
    }

    /// Stops the password thread; sign-ins fail afterwards.
    public func close() async {
        try? await passwordPool.shutdownGracefully()
    }

    /// Runs a password hash or check on the password thread.
    func passwords<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws(RegistryError) -> T {
        do {
            return try await passwordPool.runIfActive(body)
        } catch {
            throw RegistryError(error)
        }
    }
}
