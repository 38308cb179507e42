import CTestSpawn
import Foundation

/// A child process for tests, started with `posix_spawnp`, its output in files.
///
/// Why not Foundation's `Process`: on Linux, Swift 6.3.1's `Process.run()` crashes now and then
/// (SIGSEGV in a `memcpy`: it copies a whole 256-byte `d_name` out of each `/proc/self/fd` entry
/// that `readdir` returned, reading past glibc's buffer when the entry ends a page;
/// swift-corelibs-foundation #5472, fixed after that release). A suite that starts hundreds of
/// processes met it (CurlTests, 2026-12-03). This spawns directly, as `Process` does: the child
/// gets no descriptor above the standard three (`posix_spawn_file_actions_addclosefrom_np`), no
/// blocked signal and default handlers; its output goes to files rather than pipes, so a chatty
/// child never blocks on a full pipe.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `pid` and `status` are guarded by `lock`.
    private let program: String
    private let arguments: [String]
    private let environment: [String: String]?
    private let input: String?
    private let output: String?
    private let error: String?
    private let lock = NSLock()
    private var pid: pid_t = 0
    private var status: Int32?

    /// A process running `program` (a path, or a name looked up in `PATH`) with `arguments`.
    /// - Parameters:
    ///   - environment: the whole environment of the child (nil: this process's).
    ///   - input: a file read as standard input (nil: `/dev/null`).
    ///   - output: a file standard output is written to, created or truncated (nil: `/dev/null`).
    ///   - error: the same for standard error; nil with an `output` file: into that file too.
    public init(_ program: String, _ arguments: [String], environment: [String: String]? = nil,
                input: String? = nil, output: String? = nil, error: String? = nil) {
        self.program = program
        self.arguments = arguments
        self.environment = environment
        self.input = input
        self.output = output
        self.error = error
    }

    /// Starts the process; throws the `posix_spawnp` error when it cannot start.
    public func run() throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if let error {
            posix_spawn_file_actions_addopen(&actions, 2, error, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        } else if output != nil {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        _ = berth_spawn_close_from(&actions, 3)
        // The child starts with no blocked signal and every signal at its default: the spawning
        // thread may block some (Dispatch's threads do), and a child that inherits a blocked
        // SIGTERM would never stop.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { values in
            values.map { strdup("\($0.key)=\($0.value)") } + [nil]
        }
        defer { envp?.forEach { free($0) } }
        var child: pid_t = 0
        let result: Int32 = if let envp {
            posix_spawnp(&child, program, &actions, &attributes, argv, envp)
        } else {
            posix_spawnp(&child, program, &actions, &attributes, argv, environ)
        }
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL) }
        lock.withLock { pid = child }
    }

    /// The child's id (0 before `run`).
    public var processIdentifier: pid_t { lock.withLock { pid } }

    /// Whether the child has not ended yet (it is reaped when it has).
    public var isRunning: Bool {
        lock.withLock {
            guard pid > 0, status == nil else { return false }
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid { status = raw }
            return status == nil
        }
    }

    /// Sends SIGTERM.
    public func terminate() {
        let child = lock.withLock { status == nil ? pid : 0 }
        if child > 0 { kill(child, SIGTERM) }
    }

    /// Blocks until the child has ended (call it off Swift's cooperative pool).
    public func waitUntilExit() {
        let child = lock.withLock { status == nil ? pid : 0 }
        guard child > 0 else { return }
        var raw: Int32 = 0
        while waitpid(child, &raw, 0) == -1 && errno == EINTR {}
        lock.withLock { if status == nil { status = raw } }
    }

    /// The exit code, or the signal that ended the child, as Foundation's `Process` reports
    /// them; -1 while it runs.
    public var terminationStatus: Int32 {
        lock.withLock {
            guard let status else { return -1 }
            return status & 0x7f == 0 ? (status >> 8) & 0xff : status & 0x7f
        }
    }

    /// Runs `program` to its end and returns its exit status and output.
    public static func run(_ program: String, _ arguments: [String], environment: [String: String]? = nil,
                           input: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let base = NSTemporaryDirectory() + "berth-child-\(UUID().uuidString)"
        let stdout = base + ".out", stderr = base + ".err", stdin = base + ".in"
        defer { for path in [stdout, stderr, stdin] { unlink(path) } }
        if let input { try Data(input.utf8).write(to: URL(fileURLWithPath: stdin)) }
        let child = ChildProcess(program, arguments, environment: environment, input: input == nil ? nil : stdin,
                                 output: stdout, error: stderr)
        try child.run()
        child.waitUntilExit()
        let read = { (path: String) in String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }
        return (child.terminationStatus, read(stdout), read(stderr))
    }
}
