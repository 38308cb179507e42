import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import BerthTestSupport
import Testing

/// A `berth serve` process on a free loopback port and a fresh data root, stopped (SIGTERM)
/// and cleaned up by `stop()`.
final class ServerProcess: @unchecked Sendable {
    // @unchecked: mutated only by the test that owns it, from one task.
    let root: String
    let port: Int
    let process: ChildProcess
    /// Where the server's standard output and error go.
    private let logFile: String

    let scheme: String
    var host: String { "127.0.0.1:\(port)" }
    var baseURL: String { "\(scheme)://\(host)" }

    /// A server; anonymous (no authentication) unless `adminPassword` is given, which becomes
    /// the first administrator's password.
    /// `port` reuses a port (a restart behind the same address); nil picks a free one.
    init(root: String? = nil, port: Int? = nil, tls: Bool = false, adminPassword: String? = nil, extraArguments: [String] = []) throws {
        self.root = root ?? NSTemporaryDirectory() + "berth-serve-\(UUID().uuidString)"
        self.scheme = tls ? "https" : "http"
        self.port = try port ?? Self.freePort()
        self.logFile = self.root + ".log"
        var environment = ProcessInfo.processInfo.environment
        environment["BERTH_ADMIN_PASSWORD"] = adminPassword
        process = ChildProcess(berthExecutable().path,
                               ["serve", "--root", self.root, "--listen", "127.0.0.1:\(self.port)", "--log-level", "warning"]
                                   + (adminPassword == nil ? ["--anonymous"] : []) + extraArguments,
                               environment: environment, output: logFile)
        try process.run()
    }

    /// Waits until `GET /v2/` answers (at most a minute: a bound for a stalled machine, not a
    /// margin; it ends at the first answer). curl, so a self-signed HTTPS server works too.
    func waitUntilReady() async throws {
        for _ in 0..<600 {
            if let probe = try? await run("curl", ["-sk", "-o", "/dev/null", "-w", "%{http_code}", "\(baseURL)/v2/"]),
               probe.stdout == "200" || probe.stdout == "401" {
                return
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ServerFailed(log: log())
    }

    /// Sends SIGTERM and waits for the process to end; returns its exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    /// Everything the server printed (read after it stopped).
    func log() -> String {
        if process.isRunning { return "(still running)" }
        return String(decoding: FileManager.default.contents(atPath: logFile) ?? Data(), as: UTF8.self)
    }

    func removeRoot() {
        try? FileManager.default.removeItem(atPath: root)
        try? FileManager.default.removeItem(atPath: logFile)
    }

    struct ServerFailed: Error, CustomStringConvertible {
        let log: String
        var description: String { "berth serve did not become ready:\n\(log)" }
    }

    /// A port nothing listens on now.
    static func freePort() throws -> Int { try LoopbackPort.free() }
}

/// Runs a program to completion; returns status and output.
/// Runs a program and returns its exit status and output (waiting off the cooperative pool).
@discardableResult
func run(_ program: String, _ arguments: [String], input: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
    try await offPool { try runBlocking(program, arguments, input: input) }
}

private func runBlocking(_ program: String, _ arguments: [String], input: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    try ChildProcess.run(program, arguments, input: input)
}

/// GET over HTTP; returns status, headers and body.
func httpGet(_ url: String, headers: [String: String] = [:]) async throws -> (status: Int, headers: [String: String], body: Data) {
    var request = URLRequest(url: URL(string: url)!)
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    let (data, response) = try await URLSession.shared.data(for: request)
    let http = response as! HTTPURLResponse
    var fields: [String: String] = [:]
    for (name, value) in http.allHeaderFields {
        if let name = name as? String, let value = value as? String { fields[name.lowercased()] = value }
    }
    return (http.statusCode, fields, data)
}

/// Sends a request's headers one line every 0.4 s for about 3 s (a slowloris client), over TLS
/// when asked; returns "closed" when the server cut the connection, "answered" otherwise.
func trickleHeaders(to server: ServerProcess, tls: Bool = false) async throws -> String {
    let connect = tls ? """
    import ssl
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["http/1.1"])
    s = context.wrap_socket(socket.create_connection(("127.0.0.1", \(server.port))))
    """ : """
    s = socket.create_connection(("127.0.0.1", \(server.port)))
    """
    let script = """
    import socket, time
    \(connect)
    s.sendall(b"GET /v2/ HTTP/1.1\\r\\nHost: x\\r\\n")
    closed = False
    try:
        for _ in range(8):
            time.sleep(0.4)
            s.sendall(b"X-Slow: a\\r\\n")
        s.sendall(b"\\r\\n")
        closed = s.recv(100) == b""
    except OSError:
        closed = True
    print("closed" if closed else "answered")
    """
    return try await run("python3", ["-c", script]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}
