import Synchronization

/// The account a request turned out to be, for its access-log line: the observation middleware
/// gives each request one (as a task local, so every route, whatever its context type, reaches
/// it), and authentication fills it in once it knows who is calling.
final class RequestAccount: Sendable {
    /// The request's own, while the observation middleware runs it; nil outside one.
    @TaskLocal static var current: RequestAccount?

    private let name = Mutex<String?>(nil)
    private let routeLabel = Mutex<String?>(nil)

    /// The route the request was dispatched to (`OCIRoute.label`), set by the routes once they
    /// parsed its path, so the figures need not parse it again; nil until then.
    var route: String? {
        get { routeLabel.withLock { $0 } }
        set { routeLabel.withLock { $0 = newValue } }
    }

    /// Records the account (nil: anonymous).
    func set(_ account: String?) { name.withLock { $0 = account } }

    /// The account recorded, if any.
    var account: String? { name.withLock { $0 } }
}
