import Foundation
import BerthTestSupport
import Testing

/// Docker Content Trust with Debian's `notary` client against a real `berth serve` over HTTPS
/// (a test CA), in the anonymous mode: what the client publishes is checked and stored by
/// Berth, and a second client verifies it from scratch.
@Suite(.serialized) struct TrustClientTests {
    /// A notary client with its own trust directory, passphrases through the environment.
    struct Notary {
        let server: String
        let directory: String
        let ca: String
        /// `user:password` sent as the client sends credentials without a terminal (`NOTARY_AUTH`).
        var credentials: String? = nil

        func callAsFunction(_ arguments: String...) async throws -> (status: Int32, stdout: String, stderr: String) {
            try await run("env", (credentials.map { ["NOTARY_AUTH=" + Data($0.utf8).base64EncodedString()] } ?? []) + ["NOTARY_ROOT_PASSPHRASE=root-passphrase", "NOTARY_TARGETS_PASSPHRASE=targets-passphrase",
                                  "NOTARY_SNAPSHOT_PASSPHRASE=snapshot-passphrase", "NOTARY_DELEGATION_PASSPHRASE=delegation-passphrase",
                                  "notary", "-s", server, "-d", directory, "--tlscacert", ca] + arguments)
        }
    }

    /// A fresh folder with a test CA, and a `berth serve` over HTTPS on a root inside it
    /// (anonymous unless `adminPassword`), ready; the caller stops it and removes the folder.
    static func trustServer(_ label: String, root: String? = nil, adminPassword: String? = nil, extraArguments: [String] = [],
                            prepare: (String) async throws -> Void = { _ in }) async throws -> (directory: String, server: ServerProcess, ca: String, tls: (caDirectory: String, certificate: String, key: String)) {
        let directory = NSTemporaryDirectory() + "berth-trust-\(label)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let tls = try await makeTestCA(in: directory)
        try await prepare(directory)
        let server = try ServerProcess(root: root ?? "\(directory)/root", tls: true, adminPassword: adminPassword,
                                       extraArguments: ["--tls-certificate", tls.certificate, "--tls-key", tls.key] + extraArguments)
        try await server.waitUntilReady()
        return (directory, server, "\(tls.caDirectory)/ca.crt", tls)
    }

    @Test func aPublishedCollectionIsListedByAFreshClientAndEveryChangeTakes() async throws {
        let (directory, server, ca, _) = try await Self.trustServer("publish")
        defer { server.stop(); try? FileManager.default.removeItem(atPath: directory) }
        let gun = "\(server.host)/team/app"
        let notary = Notary(server: server.baseURL, directory: "\(directory)/client", ca: ca)
        let target = "\(directory)/target.txt"
        try Data("signed content".utf8).write(to: URL(fileURLWithPath: target))

        for step in [["init", gun], ["add", gun, "v1", target], ["publish", gun]] {
            let result = try await notary(step[0], step[1], step.count > 2 ? step[2] : "", step.count > 3 ? step[3] : "")
            #expect(result.status == 0, "notary \(step.joined(separator: " ")): \(result.stderr)")
        }
        let fresh = Notary(server: server.baseURL, directory: "\(directory)/fresh", ca: ca)
        let listed = try await fresh("list", gun)
        #expect(listed.status == 0 && listed.stdout.contains("v1") && listed.stdout.contains("14"), "\(listed.stdout)\(listed.stderr)")

        // Docker's own client, where the machine has it (it needs no daemon for this): a
        // DOCKER_CONFIG holding the test CA for the trust server.
        if try await run("sh", ["-c", "command -v docker"]).status == 0 {
            let config = "\(directory)/docker"
            try FileManager.default.createDirectory(atPath: "\(config)/tls/\(server.host)", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: ca, toPath: "\(config)/tls/\(server.host)/ca.crt")
            try Data("{}".utf8).write(to: URL(fileURLWithPath: "\(config)/config.json"))
            let inspected = try await run("env", ["DOCKER_CONFIG=\(config)", "DOCKER_CONTENT_TRUST_SERVER=\(server.baseURL)", "docker", "trust", "inspect", gun])
            let tags = ((try? JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8))) as? [[String: Any]])?.first?["SignedTags"] as? [[String: Any]]
            #expect(tags?.first?["SignedTag"] as? String == "v1", "docker trust inspect: \(inspected.stdout)\(inspected.stderr)")
        }

        // The server takes over the snapshot and makes a new timestamp key; publishing goes on.
        #expect(try await notary("key", "rotate", gun, "snapshot", "-r").status == 0)
        #expect(try await notary("key", "rotate", gun, "timestamp", "-r").status == 0)
        #expect(try await notary("remove", gun, "v1").status == 0)
        #expect(try await notary("add", gun, "v2", target).status == 0)
        let published = try await notary("publish", gun)
        #expect(published.status == 0, "\(published.stderr)")
        let after = try await Notary(server: server.baseURL, directory: "\(directory)/third", ca: ca)("list", gun)
        #expect(after.stdout.contains("v2") && !after.stdout.contains("v1 "), "\(after.stdout)\(after.stderr)")

        // A delegation: its certificate added by the targets owner, a target published with its key.
        let key = "\(directory)/releases.key"
        #expect(try await run("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key]).status == 0)
        #expect(try await run("openssl", ["req", "-new", "-x509", "-key", key, "-out", "\(directory)/releases.crt", "-days", "2", "-subj", "/CN=releases"]).status == 0)
        #expect(try await notary("delegation", "add", gun, "targets/releases", "\(directory)/releases.crt", "--all-paths").status == 0)
        #expect(try await notary("publish", gun).status == 0)
        #expect(try await notary("key", "import", key, "--role", "targets/releases").status == 0)
        #expect(try await notary("add", gun, "r1", target, "--roles", "targets/releases").status == 0)
        let delegated = try await notary("publish", gun)
        #expect(delegated.status == 0, "\(delegated.stderr)")
        let withDelegation = try await Notary(server: server.baseURL, directory: "\(directory)/fifth", ca: ca)("list", gun)
        #expect(withDelegation.stdout.contains("r1") && withDelegation.stdout.contains("targets/releases"), "\(withDelegation.stdout)\(withDelegation.stderr)")

        // Trust data deleted remotely: a new init of the same name works.
        #expect(try await notary("delete", gun, "--remote").status == 0)
        #expect(try await Notary(server: server.baseURL, directory: "\(directory)/fourth", ca: ca)("list", gun).status != 0)
        let again = Notary(server: server.baseURL, directory: "\(directory)/new-root", ca: ca)
        #expect(try await again("init", gun).status == 0)
        #expect(try await again("publish", gun).status == 0)
    }

    @Test func withAccountsAReaderListsButCannotPublishAndAnonymousCannotRead() async throws {
        let directory = NSTemporaryDirectory() + "berth-trust-auth-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tls = try await makeTestCA(in: directory)
        let root = "\(directory)/root"
        let password = "correct-horse-battery"
        for (name, admin) in [("admin", true), ("reader", false)] {
            let added = try await run("env", ["BERTH_NEW_PASSWORD=\(password)", berthExecutable().path, "user", "add", name, "--root", root] + (admin ? ["--admin"] : []))
            #expect(added.status == 0, "\(added.stderr)")
        }
        #expect(try await runBerth(["project", "add", "team", "--root", root], input: nil).status == 0)
        #expect(try await runBerth(["member", "add", "team", "reader", "--role", "guest", "--root", root], input: nil).status == 0)
        let server = try ServerProcess(root: root, tls: true, adminPassword: password,
                                       extraArguments: ["--tls-certificate", tls.certificate, "--tls-key", tls.key])
        defer { server.stop() }
        try await server.waitUntilReady()
        let ca = "\(tls.caDirectory)/ca.crt"
        let gun = "\(server.host)/team/app"
        let target = "\(directory)/target.txt"
        try Data("signed content".utf8).write(to: URL(fileURLWithPath: target))

        let admin = Notary(server: server.baseURL, directory: "\(directory)/admin", ca: ca, credentials: "admin:\(password)")
        for step in [["init", gun], ["add", gun, "v1", target], ["publish", gun]] {
            let result = try await admin(step[0], step[1], step.count > 2 ? step[2] : "", step.count > 3 ? step[3] : "")
            #expect(result.status == 0, "notary \(step.joined(separator: " ")): \(result.stderr)")
        }
        let reader = Notary(server: server.baseURL, directory: "\(directory)/reader", ca: ca, credentials: "reader:\(password)")
        let listed = try await reader("list", gun)
        #expect(listed.status == 0 && listed.stdout.contains("v1"), "\(listed.stdout)\(listed.stderr)")
        #expect(try await reader("add", gun, "v2", target).status == 0, "staging is local")
        let refused = try await reader("publish", gun)
        #expect(refused.status != 0, "a guest cannot publish")
        let anonymous = try await Notary(server: server.baseURL, directory: "\(directory)/anonymous", ca: ca)("list", gun)
        #expect(anonymous.status != 0 && (anonymous.stdout + anonymous.stderr).contains("401"), "\(anonymous.stdout)\(anonymous.stderr)")
        // A remote delete asks for `*`, which needs the delete right: a guest's is refused.
        #expect(try await reader("delete", gun, "--remote").status != 0, "a guest cannot delete the trust data")
        let after = try await Notary(server: server.baseURL, directory: "\(directory)/check", ca: ca, credentials: "admin:\(password)")("list", gun)
        #expect(after.stdout.contains("v1") && !after.stdout.contains("v2"), "the refused publish changed nothing")

        // The root key is lost: a new root of other keys is refused while the old data stands…
        let lost = Notary(server: server.baseURL, directory: "\(directory)/lost", ca: ca, credentials: "admin:\(password)")
        #expect(try await lost("init", gun).status == 0)
        #expect(try await lost("publish", gun).status != 0, "a root the current root did not sign is refused")
        // …until an administrator deletes the trust data: the admin API lists it, `berth trust`
        // on the root (server stopped) shows and deletes it, audited.
        let listedByAPI = try await run("curl", ["-s", "--cacert", ca, "-u", "admin:\(password)", "\(server.baseURL)/admin/v1/trust"])
        #expect(listedByAPI.stdout.contains(gun) && listedByAPI.stdout.contains("\"v1\""), "\(listedByAPI.stdout)")
        server.stop()
        let shown = try await runBerth(["trust", "show", gun, "--root", root], input: nil)
        #expect(shown.stdout.contains("signed tags: v1") && shown.stdout.contains("timestamp v"), "\(shown.stdout)\(shown.stderr)")
        let deleted = try await runBerth(["trust", "delete", gun, "--root", root], input: nil)
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(try await runBerth(["trust", "list", "--root", root], input: nil).stdout.contains("no trust data"))
        let audit = try await runBerth(["audit", "--root", root], input: nil)
        #expect(audit.stdout.contains("trust-delete"), "\(audit.stdout)")
        let restarted = try ServerProcess(root: root, port: server.port, tls: true, adminPassword: password,
                                          extraArguments: ["--tls-certificate", tls.certificate, "--tls-key", tls.key])
        defer { restarted.stop() }
        try await restarted.waitUntilReady()
        // A new init (new root keys, nothing cached from before) publishes.
        let recovered = Notary(server: restarted.baseURL, directory: "\(directory)/recovered", ca: ca, credentials: "admin:\(password)")
        #expect(try await recovered("init", gun).status == 0)
        let republished = try await recovered("publish", gun)
        #expect(republished.status == 0, "after the delete, a new root is published: \(republished.stdout)\(republished.stderr)")
        // An administrator's remote delete (a token granting `*`) takes.
        #expect(try await recovered("delete", gun, "--remote").status == 0)
        #expect(try await Notary(server: restarted.baseURL, directory: "\(directory)/gone", ca: ca, credentials: "admin:\(password)")("list", gun).status != 0)
    }

    @Test func signedOnlyPullsAcceptATagSignedThroughContentTrustAndRefuseOneThatIsNot() async throws {
        let (directory, server, ca, tls) = try await Self.trustServer("policy")
        defer { server.stop(); try? FileManager.default.removeItem(atPath: directory) }
        let layout = try OCILayout()
        defer { layout.remove() }
        let image = try await layout.image(architecture: "amd64", content: "trusted")
        for tag in ["v1", "unsigned"] {
            try layout.tag(image.json, as: tag)
            let copied = try await run("skopeo", ["copy", "--dest-cert-dir", tls.caDirectory, "oci:\(layout.path):\(tag)", "docker://\(server.host)/team/app:\(tag)"])
            #expect(copied.status == 0, "\(copied.stderr)")
        }
        let other = try await layout.image(architecture: "arm64", content: "not signed")
        try layout.tag(other.json, as: "other")
        #expect(try await run("skopeo", ["copy", "--dest-cert-dir", tls.caDirectory, "oci:\(layout.path):other", "docker://\(server.host)/team/app:other"]).status == 0)
        let policy = try await run("curl", ["-s", "--cacert", ca, "-X", "PUT", "-H", "Content-Type: application/json", "--data",
                                            #"{"signedOnly":[{"repositories":"team/**","level":"present"}]}"#, "\(server.baseURL)/admin/v1/policies"])
        #expect(policy.status == 0 && policy.stdout.contains("signedOnly"), "\(policy.stdout)")
        func pull(_ tag: String) async throws -> Int32 {
            try await run("skopeo", ["inspect", "--raw", "--cert-dir", tls.caDirectory, "docker://\(server.host)/team/app:\(tag)"]).status
        }
        #expect(try await pull("v1") != 0, "not signed yet")

        // Sign the tag v1 (the manifest's digest and size) with Docker Content Trust.
        let gun = "\(server.host)/team/app"
        let notary = Notary(server: server.baseURL, directory: "\(directory)/client", ca: ca)
        #expect(try await notary("init", gun).status == 0)
        let added = try await notary("addhash", gun, "v1", String(image.manifest.count), "--sha256", String(image.digest.dropFirst(7)))
        #expect(added.status == 0, "\(added.stderr)")
        #expect(try await notary("publish", gun).status == 0)
        #expect(try await pull("v1") == 0, "a tag signed through content trust is pulled")
        #expect(try await pull("other") != 0, "another manifest without a signed tag is still refused")

        // `verified`: the targets key (from the published root) among the trusted keys.
        let rootJSON = try await run("curl", ["-s", "--cacert", ca, "\(server.baseURL)/v2/\(gun)/_trust/tuf/root.json"]).stdout
        let signed = (try JSONSerialization.jsonObject(with: Data(rootJSON.utf8)) as? [String: Any])?["signed"] as? [String: Any]
        let targetsID = try #require(((signed?["roles"] as? [String: Any])?["targets"] as? [String: Any])?["keyids"] as? [String]).first
        let targetsKey = try #require(((signed?["keys"] as? [String: Any])?[targetsID ?? ""] as? [String: Any])?["keyval"] as? [String: Any])?["public"] as? String
        let pem = "-----BEGIN PUBLIC KEY-----\\n" + (targetsKey ?? "") + "\\n-----END PUBLIC KEY-----\\n"
        let verified = try await run("curl", ["-s", "--cacert", ca, "-X", "PUT", "-H", "Content-Type: application/json", "--data",
                                              #"{"signedOnly":[{"repositories":"team/**","level":"verified"}],"trustedKeys":[{"name":"targets","publicKeyPEM":"\#(pem)"}]}"#,
                                              "\(server.baseURL)/admin/v1/policies"])
        #expect(verified.stdout.contains("verified"), "\(verified.stdout)")
        #expect(try await pull("v1") == 0, "signed by a trusted targets key: verified")
        let stranger = try await run("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "\(directory)/stranger.pem"])
        #expect(stranger.status == 0)
        let strangerPublic = try await run("openssl", ["ec", "-in", "\(directory)/stranger.pem", "-pubout"])
        let strangerPEM = strangerPublic.stdout.replacingOccurrences(of: "\n", with: "\\n")
        _ = try await run("curl", ["-s", "--cacert", ca, "-X", "PUT", "-H", "Content-Type: application/json", "--data",
                                   #"{"signedOnly":[{"repositories":"team/**","level":"verified"}],"trustedKeys":[{"name":"other","publicKeyPEM":"\#(strangerPEM)"}]}"#,
                                   "\(server.baseURL)/admin/v1/policies"])
        #expect(try await pull("v1") != 0, "signed, but by no trusted key: refused at the verified level")
        _ = try await run("curl", ["-s", "--cacert", ca, "-X", "PUT", "-H", "Content-Type: application/json", "--data",
                                   #"{"signedOnly":[{"repositories":"team/**","level":"present"}]}"#, "\(server.baseURL)/admin/v1/policies"])

        // notary remove + publish: no longer signed.
        #expect(try await notary("remove", gun, "v1").status == 0)
        #expect(try await notary("publish", gun).status == 0)
        #expect(try await pull("v1") != 0, "removed from the targets: refused again")
    }

    @Test func tamperedRolledBackAndOversizedUpdatesAreRefusedAndChangeNothing() async throws {
        let (directory, server, ca, _) = try await Self.trustServer("tamper")
        defer { server.stop(); try? FileManager.default.removeItem(atPath: directory) }
        let gun = "\(server.host)/team/app"
        let notary = Notary(server: server.baseURL, directory: "\(directory)/client", ca: ca)
        let target = "\(directory)/target.txt"
        try Data("content".utf8).write(to: URL(fileURLWithPath: target))
        #expect(try await notary("init", gun).status == 0)
        #expect(try await notary("add", gun, "v1", target).status == 0)
        #expect(try await notary("publish", gun).status == 0)
        let base = "\(server.baseURL)/v2/\(gun)/_trust/tuf"
        #expect(try await run("curl", ["-sf", "--cacert", ca, "-o", "\(directory)/targets.json", "\(base)/targets.json"]).status == 0)
        let before = try await run("curl", ["-s", "--cacert", ca, "\(base)/timestamp.json"]).stdout

        func post(_ files: [(role: String, path: String)]) async throws -> (status: String, body: String) {
            let parts = files.flatMap { ["-F", "files=@\($0.path);filename=\($0.role)"] }
            let result = try await run("curl", ["-s", "--cacert", ca, "-w", "\n%{http_code}", "-X", "POST"] + parts + ["\(base)/"])
            let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            return (String(lines.last ?? ""), lines.dropLast().joined(separator: "\n"))
        }
        // The same targets again: its version does not increase.
        let again = try await post([("targets", "\(directory)/targets.json")])
        #expect(again.status == "400" && again.body.contains("does not increase"), "\(again)")
        // Its version raised without signing again: the signature no longer verifies.
        let original = try String(contentsOfFile: "\(directory)/targets.json", encoding: .utf8)
        let version = try #require(original.range(of: #""version":[0-9]+"#, options: .regularExpression).map { String(original[$0]) })
        let bumped = original.replacingOccurrences(of: version, with: #""version":99"#)
        try Data(bumped.utf8).write(to: URL(fileURLWithPath: "\(directory)/tampered.json"))
        let tampered = try await post([("targets", "\(directory)/tampered.json")])
        #expect(tampered.status == "400" && tampered.body.contains("not signed"), "\(tampered)")
        // A client's timestamp: the server signs those.
        let timestamp = try await post([("timestamp", "\(directory)/targets.json")])
        #expect(timestamp.status == "400" && timestamp.body.contains("the server signs the timestamp"), "\(timestamp)")
        // Over the size limit.
        try Data(repeating: 0x20, count: 17 << 20).write(to: URL(fileURLWithPath: "\(directory)/huge.json"))
        let huge = try await post([("targets", "\(directory)/huge.json")])
        #expect(huge.status == "413", "\(huge.status)")
        // Nothing changed: the same timestamp, and a fresh client still lists v1.
        #expect(try await run("curl", ["-s", "--cacert", ca, "\(base)/timestamp.json"]).stdout == before)
        let listed = try await Notary(server: server.baseURL, directory: "\(directory)/fresh", ca: ca)("list", gun)
        #expect(listed.stdout.contains("v1"), "\(listed.stdout)\(listed.stderr)")
    }

    @Test func aTrustListenerOfItsOwnServesTheRegistrysGUNsAndNothingElse() async throws {
        let trustPort = try LoopbackPort.free()
        let (directory, server, ca, _) = try await Self.trustServer("listener", extraArguments: ["--trust-listen", "127.0.0.1:\(trustPort)"])
        defer { server.stop(); try? FileManager.default.removeItem(atPath: directory) }
        let trustURL = "https://127.0.0.1:\(trustPort)"
        let health = try await run("curl", ["-s", "--cacert", ca, "\(trustURL)/_notary_server/health"])
        #expect(health.stdout == "{}", "\(health.stdout)\(health.stderr)")
        // The GUN names the registry (its main listener), the client talks to the trust listener.
        let gun = "\(server.host)/team/app"
        let notary = Notary(server: trustURL, directory: "\(directory)/client", ca: ca)
        let target = "\(directory)/target.txt"
        try Data("content".utf8).write(to: URL(fileURLWithPath: target))
        for step in [["init", gun], ["add", gun, "v1", target], ["publish", gun]] {
            let result = try await notary(step[0], step[1], step.count > 2 ? step[2] : "", step.count > 3 ? step[3] : "")
            #expect(result.status == 0, "notary \(step.joined(separator: " ")): \(result.stderr)")
        }
        // The same data through the registry's own listener.
        let listed = try await Notary(server: server.baseURL, directory: "\(directory)/main", ca: ca)("list", gun)
        #expect(listed.stdout.contains("v1"), "\(listed.stdout)\(listed.stderr)")
        let oci = try await run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", ca, "\(trustURL)/v2/team/app/tags/list"])
        #expect(oci.stdout == "404", "the trust listener serves no registry API")
    }

    @Test func overPlainHTTPTheTrustAPIRefusesWithAReason() async throws {
        let server = try ServerProcess()
        defer { server.stop(); server.removeRoot() }
        try await server.waitUntilReady()
        let response = try await httpGet("\(server.baseURL)/v2/\(server.host)/team/app/_trust/tuf/root.json")
        #expect(response.status == 400)
        #expect(String(decoding: response.body, as: UTF8.self).contains("Docker Content Trust needs HTTPS"))
    }
}
