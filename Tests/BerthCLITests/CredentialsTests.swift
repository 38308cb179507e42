import Foundation
import BerthTestSupport
import Testing

/// Real clients with credentials: skopeo with `--creds` over HTTPS, trusting a CA the test
/// makes, as an administrator and as a robot account; the account commands of the CLI.
@Suite(.serialized) struct CredentialsTests {
    @Test func skopeoPushesWithCredentialsAndARobotPullsOverHTTPSWithATestCA() async throws {
        let directory = NSTemporaryDirectory() + "berth-creds-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tls = try await makeTestCA(in: directory)
        let root = "\(directory)/root"

        // Accounts are set up on the root before the server owns it.
        let admin = try await run("env", ["BERTH_NEW_PASSWORD=correct-horse-battery", berthExecutable().path, "user", "add", "admin", "--admin", "--root", root])
        #expect(admin.status == 0, "\(admin.stderr)")
        let project = try await runBerth(["project", "add", "team", "--root", root])
        #expect(project.status == 0, "\(project.stderr)")
        let robot = try await runBerth(["user", "robot", "ci", "--days", "7", "--json", "--root", root])
        #expect(robot.status == 0, "\(robot.stderr)")
        let robotInfo = try JSONSerialization.jsonObject(with: Data(robot.stdout.utf8)) as? [String: Any]
        let robotName = try #require(robotInfo?["name"] as? String)
        let robotSecret = try #require(robotInfo?["secret"] as? String)
        #expect(try await runBerth(["member", "add", "team", robotName, "--role", "guest", "--root", root]).status == 0)

        let server = try ServerProcess(root: root, tls: true, adminPassword: "correct-horse-battery",
                                       extraArguments: ["--tls-certificate", tls.certificate, "--tls-key", tls.key])
        defer { server.stop() }
        try await server.waitUntilReady()
        let layout = try OCILayout()
        defer { layout.remove() }
        let image = try await layout.image(architecture: "amd64", content: "with credentials")
        try layout.tag(image.json, as: "v1")

        let anonymous = try await run("skopeo", ["copy", "--dest-cert-dir", tls.caDirectory, "oci:\(layout.path):v1", "docker://\(server.host)/team/app:v1"])
        #expect(anonymous.status != 0)
        let push = try await run("skopeo", ["copy", "--dest-cert-dir", tls.caDirectory, "--dest-creds", "admin:correct-horse-battery",
                                      "oci:\(layout.path):v1", "docker://\(server.host)/team/app:v1"])
        #expect(push.status == 0, "\(push.stderr)")
        let pulled = try await run("skopeo", ["inspect", "--raw", "--cert-dir", tls.caDirectory, "--creds", "\(robotName):\(robotSecret)",
                                        "docker://\(server.host)/team/app:v1"])
        #expect(pulled.status == 0, "\(pulled.stderr)")
        #expect(Data(pulled.stdout.utf8) == image.manifest)
        let robotPush = try await run("skopeo", ["copy", "--dest-cert-dir", tls.caDirectory, "--dest-creds", "\(robotName):\(robotSecret)",
                                           "oci:\(layout.path):v1", "docker://\(server.host)/team/app:v2"])
        #expect(robotPush.status != 0)
        let wrong = try await run("skopeo", ["inspect", "--raw", "--cert-dir", tls.caDirectory, "--creds", "admin:wrong-password",
                                       "docker://\(server.host)/team/app:v1"])
        #expect(wrong.status != 0)
    }

    @Test func firstStartCreatesAnAdministratorWithARandomPasswordSavedOwnerOnly() async throws {
        let root = NSTemporaryDirectory() + "berth-first-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let port = try ServerProcess.freePort()
        var environment = ProcessInfo.processInfo.environment
        environment["BERTH_ADMIN_PASSWORD"] = nil
        let logFile = root + ".log"
        defer { try? FileManager.default.removeItem(atPath: logFile) }
        let process = ChildProcess(berthExecutable().path, ["serve", "--root", root, "--listen", "127.0.0.1:\(port)"],
                                   environment: environment, output: logFile)
        try process.run()
        defer { if process.isRunning { process.terminate(); process.waitUntilExit() } }
        var password: String?
        // Bounds for a stalled machine (a minute each), not margins: each wait ends when its event comes.
        for _ in 0..<600 where password == nil {
            password = try? String(contentsOfFile: "\(root)/auth/admin-password", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            if password == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let saved = try #require(password)
        let attributes = try FileManager.default.attributesOfItem(atPath: "\(root)/auth/admin-password")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        var ready = false
        for _ in 0..<600 where !ready {
            ready = try await run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/v2/"]).stdout == "401"
            if !ready { try await Task.sleep(for: .milliseconds(100)) }
        }
        try #require(ready)
        let withCredentials = try await run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-u", "admin:\(saved)", "http://127.0.0.1:\(port)/v2/"])
        #expect(withCredentials.stdout == "200")
        process.terminate()
        process.waitUntilExit()
        let log = String(decoding: FileManager.default.contents(atPath: logFile) ?? Data(), as: UTF8.self)
        #expect(log.contains(saved))
        #expect(log.contains("\(root)/auth/admin-password"))
    }

    @Test func anonymousModeRefusesANetworkAddressUnlessToldTo() async throws {
        let refused = try await runBerth(["serve", "--anonymous", "--listen", "0.0.0.0:5999", "--root", NSTemporaryDirectory() + "berth-never"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("--anonymous-on-network"))
    }

    @Test func userCommandsManageAccountsOnARoot() async throws {
        let root = NSTemporaryDirectory() + "berth-users-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let add = try await run("env", ["BERTH_NEW_PASSWORD=first-password", berthExecutable().path, "user", "add", "dana", "--root", root])
        #expect(add.status == 0, "\(add.stderr)")
        let duplicate = try await run("env", ["BERTH_NEW_PASSWORD=first-password", berthExecutable().path, "user", "add", "dana", "--root", root])
        #expect(duplicate.status != 0)
        let passwd = try await run(berthExecutable().path, ["user", "passwd", "dana", "--root", root], input: "second-password\n")
        #expect(passwd.status == 0, "\(passwd.stderr)")
        let listed = try await runBerth(["user", "ls", "--root", root])
        #expect(listed.stdout.contains("dana"))
        #expect(try await runBerth(["user", "rm", "dana", "--root", root]).status == 0)
        await #expect(!(try runBerth(["user", "ls", "--root", root]).stdout.contains("dana")))
        let audit = try await runBerth(["audit", "--root", root])
        #expect(audit.stdout.contains("user-add"))
        #expect(audit.stdout.contains("user-rm"))
    }
}

@Suite struct SlowClientTests {
    @Test func aClientThatStopsSendingIsCutOffByTheIdleTimeout() async throws {
        let server = try ServerProcess(extraArguments: ["--idle-timeout", "1s"])
        defer { server.stop(); server.removeRoot() }
        try await server.waitUntilReady()
        let script = """
        import socket, time
        s = socket.create_connection(("127.0.0.1", \(server.port)))
        s.sendall(b"GET /v2/ HTTP/1.1\\r\\nHost: x\\r\\n")
        time.sleep(3)
        try:
            s.sendall(b"\\r\\n")
            data = s.recv(100)
            print("closed" if data == b"" else "answered")
        except OSError:
            print("closed")
        """
        let result = try await run("python3", ["-c", script])
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "closed", "\(result.stderr)")
    }
}

@Suite struct OrasCredentialsTests {
    /// oras-py with Basic credentials (its `basic` backend). Its token backend keeps one token for
    /// every scope and asks for a new one only after a 403, while the token spec answers a token
    /// lacking an action with 401 `insufficient_scope`; Basic is what works with both.
    @Test func orasWithCredentialsPushesAndPullsAndAnonymousCannotPush() async throws {
        let server = try ServerProcess(adminPassword: "oras-admin-password")
        defer { server.stop(); server.removeRoot() }
        try await server.waitUntilReady()
        let work = NSTemporaryDirectory() + "berth-oras-auth-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: "\(work)/out", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        try Data("authenticated artifact".utf8).write(to: URL(fileURLWithPath: "\(work)/note.txt"))
        let script = """
        import os, oras.client
        os.chdir("\(work)")
        anonymous = oras.client.OrasClient(hostname="\(server.host)", insecure=True)
        try:
            anonymous.push(target="\(server.host)/team/notes:v1", files=["note.txt"])
            print("anonymous push accepted")
        except Exception:
            pass
        client = oras.client.OrasClient(hostname="\(server.host)", insecure=True, auth_backend="basic")
        client.login(username="admin", password="oras-admin-password", tls_verify=False)
        response = client.push(target="\(server.host)/team/notes:v1", files=["note.txt"])
        assert response.status_code == 201, response.status_code
        client.pull(target="\(server.host)/team/notes:v1", outdir="\(work)/out")
        """
        let result = try await run("python3", ["-c", script])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("anonymous push accepted"))
        #expect(FileManager.default.contents(atPath: "\(work)/out/note.txt") == Data("authenticated artifact".utf8))
    }
}

@Suite struct SlowlorisTests {
    @Test func headersTrickledSlowerThanTheDeadlineCloseTheConnection() async throws {
        let server = try ServerProcess(extraArguments: ["--header-deadline", "1s", "--idle-timeout", "60s"])
        defer { server.stop(); server.removeRoot() }
        try await server.waitUntilReady()
        #expect(try await trickleHeaders(to: server) == "closed")
    }

    @Test func aPromptClientIsAnsweredOnAKeptAliveConnection() async throws {
        // A deadline no prompt client misses, however loaded the machine.
        let server = try ServerProcess(extraArguments: ["--header-deadline", "10s"])
        defer { server.stop(); server.removeRoot() }
        try await server.waitUntilReady()
        let script = """
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", \(server.port))
        for _ in range(3):
            c.request("GET", "/v2/")
            r = c.getresponse(); r.read()
            print(r.status)
        """
        let result = try await run("python3", ["-c", script])
        #expect(result.stdout.split(separator: "\n") == ["200", "200", "200"], "\(result.stderr)")
    }
}
