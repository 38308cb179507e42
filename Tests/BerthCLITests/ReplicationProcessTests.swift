import BerthEngine
import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Replication between real processes on loopback: two `berth serve` (both with accounts, the
/// destination answering with the Docker token flow) and Debian's `docker-registry`, driven by
/// the `berth replication` CLI through the admin API and checked with skopeo, the OCI API and
/// `berth accessories`.
@Suite(.serialized) struct ReplicationProcessTests {
    static let sourcePassword = "source-admin-password"
    static let destinationPassword = "destination-admin-password"

    /// A source `berth serve` with accounts; `berth(…)` runs the CLI against its admin API.
    final class Source: @unchecked Sendable {
        let server: ServerProcess
        init(extraArguments: [String] = []) async throws {
            server = try ServerProcess(adminPassword: ReplicationProcessTests.sourcePassword, extraArguments: extraArguments)
            try await server.waitUntilReady()
        }
        var credentials: String { "admin:\(ReplicationProcessTests.sourcePassword)" }

        func berth(_ arguments: [String], input: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
            try await runBerth(arguments + ["--url", server.baseURL, "--username", "admin", "--password", ReplicationProcessTests.sourcePassword],
                               input: input)
        }

        func finish() {
            server.stop()
            server.removeRoot()
        }
    }

    /// `berth accessories REFERENCE --json` against `url`, as facts.
    static func accessories(_ reference: String, at url: String, password: String?) async throws -> Set<String> {
        let login = password.map { ["--username", "admin", "--password", $0] } ?? []
        let listed = try await runBerth(["accessories", reference, "--json", "--url", url] + login, input: nil)
        #expect(listed.status == 0, "\(listed.stderr)")
        let tree = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any]
        return accessoryFacts(tree?["accessories"] as? [[String: Any]] ?? [])
    }

    /// A GET with Basic credentials, the body decoded as JSON.
    static func getJSON(_ url: String, credentials: String? = nil) async throws -> (status: Int, json: [String: Any]) {
        let headers = credentials.map { ["Authorization": "Basic " + Data($0.utf8).base64EncodedString()] } ?? [:]
        let answer = try await httpGet(url, headers: headers)
        return (answer.status, (try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any]) ?? [:])
    }

    static func tags(_ repository: String, at baseURL: String, credentials: String? = nil) async throws -> Set<String> {
        Set(try await getJSON("\(baseURL)/v2/\(repository)/tags/list", credentials: credentials).json["tags"] as? [String] ?? [])
    }

    static func referrers(_ digest: String, in repository: String, at baseURL: String, credentials: String?) async throws -> Set<String> {
        let listed = try await getJSON("\(baseURL)/v2/\(repository)/referrers/\(digest)", credentials: credentials)
        return Set((listed.json["manifests"] as? [[String: Any]] ?? []).compactMap { $0["digest"] as? String })
    }

    // MARK: Berth to Berth

    @Test func aPushRuleGivesAnotherBerthTheSameTreeThroughItsTokenFlow() async throws {
        let source = try await Source()
        defer { source.finish() }
        let destination = try ServerProcess(adminPassword: Self.destinationPassword)
        defer { destination.stop(); destination.removeRoot() }
        try await destination.waitUntilReady()
        let tree = try await SignedImageTree.push(to: source.server.host, content: "to berth", credentials: source.credentials)

        let endpoint = try await source.berth(["replication", "endpoint", "set", "mirror", "--endpoint-url", destination.baseURL, "--insecure",
                                               "--endpoint-username", "admin", "--password-stdin"], input: Self.destinationPassword)
        #expect(endpoint.status == 0, "\(endpoint.stderr)")
        #expect(try await source.berth(["replication", "rule", "set", "all", "--mode", "push", "--endpoint", "mirror"]).status == 0)
        let ran = try await source.berth(["replication", "run", "all"])
        #expect(ran.status == 0, "\(ran.stdout)\(ran.stderr)")
        #expect(ran.stdout.contains("succeeded"))
        #expect(ran.stderr.contains("artifacts"), "progress is shown")

        let here = try await Self.accessories("app:v1", at: source.server.baseURL, password: Self.sourcePassword)
        let there = try await Self.accessories("app:v1", at: destination.baseURL, password: Self.destinationPassword)
        #expect(here.count == 4)
        #expect(there == here)
        let destinationCredentials = "admin:\(Self.destinationPassword)"
        #expect(try await Self.referrers(tree.index, in: "app", at: destination.baseURL, credentials: destinationCredentials) == [tree.notation, tree.sbom])
        #expect(try await Self.referrers(tree.sbom, in: "app", at: destination.baseURL, credentials: destinationCredentials) == [tree.sbomSignature])
        let inspected = try await run("skopeo", ["inspect", "--raw", "--tls-verify=false", "--creds", destinationCredentials,
                                                 "docker://\(destination.host)/app@\(tree.children[1])"])
        #expect(inspected.status == 0, "\(inspected.stderr)")

        // The records: one execution, one task, bytes counted; both visible through the CLI.
        let executions = try await source.berth(["replication", "executions", "all", "--json"])
        let records = try JSONSerialization.jsonObject(with: Data(executions.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(records.count == 1)
        #expect(records.first?["state"] as? String == "succeeded")
        #expect(records.first?["artifactsDone"] as? Int == tree.all.count)
        let id = records.first?["id"] as? Int ?? 0
        let tasks = try await source.berth(["replication", "tasks", "\(id)"])
        #expect(tasks.stdout.contains("succeeded"))
        #expect(tasks.stdout.contains("app"))
    }

    @Test func theEndpointsPasswordIsNeverShownAndStaysInAnOwnerOnlyFile() async throws {
        let source = try await Source()
        defer { source.finish() }
        let secret = "do-not-print-\(UUID().uuidString)"
        #expect(try await source.berth(["replication", "endpoint", "set", "mirror", "--endpoint-url", "https://registry.example",
                                        "--endpoint-username", "robot", "--password-stdin"], input: secret).status == 0)
        let listed = try await source.berth(["replication", "endpoint", "list"])
        #expect(listed.status == 0)
        #expect(listed.stdout.contains("mirror"))
        #expect(!listed.stdout.contains(secret))
        let document = try await httpGet("\(source.server.baseURL)/admin/v1/replication/endpoints",
                                         headers: ["Authorization": "Basic " + Data(source.credentials.utf8).base64EncodedString()])
        let text = String(decoding: document.body, as: UTF8.self)
        #expect(document.status == 200)
        #expect(!text.contains(secret))
        #expect(text.replacingOccurrences(of: " ", with: "").contains("\"hasPassword\":true"), "\(text)")
        let file = "\(source.server.root)/replication/credentials.json"
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func aBlobTheDestinationHoldsInAnotherRepositoryIsMountedNotSentAgain() async throws {
        let source = try await Source()
        defer { source.finish() }
        let destination = try ServerProcess(adminPassword: Self.destinationPassword)
        defer { destination.stop(); destination.removeRoot() }
        try await destination.waitUntilReady()
        let layout = try OCILayout()
        defer { layout.remove() }
        let image = try await layout.image(architecture: "amd64", content: "shared layers")
        try layout.tag(image.json, as: "x")
        for repository in ["team/a", "team/b"] {
            let copied = try await run("skopeo", ["copy", "--preserve-digests", "--dest-tls-verify=false", "--dest-creds", source.credentials,
                                                  "oci:\(layout.path):x", "docker://\(source.server.host)/\(repository):v1"])
            #expect(copied.status == 0, "\(copied.stderr)")
        }
        #expect(try await source.berth(["replication", "endpoint", "set", "mirror", "--endpoint-url", destination.baseURL, "--insecure",
                                        "--endpoint-username", "admin", "--password-stdin"], input: Self.destinationPassword).status == 0)
        // One task at a time: the second repository's blobs are known at the destination by then.
        #expect(try await source.berth(["replication", "rule", "set", "team", "--mode", "push", "--endpoint", "mirror",
                                        "--repositories", "team/*", "--concurrency", "1"]).status == 0)
        let ran = try await source.berth(["replication", "run", "team", "--json"])
        #expect(ran.status == 0, "\(ran.stdout)\(ran.stderr)")
        let execution = try JSONSerialization.jsonObject(with: Data(ran.stdout.utf8)) as? [String: Any] ?? [:]
        let planned = execution["bytes"] as? Int ?? 0
        let metrics = try await httpGet("\(destination.baseURL)/metrics",
                                        headers: ["Authorization": "Basic " + Data("admin:\(Self.destinationPassword)".utf8).base64EncodedString()])
        let text = String(decoding: metrics.body, as: UTF8.self)
        let ingested = text.split(separator: "\n").first { $0.hasPrefix("berth_ingested_bytes_total") }
            .flatMap { Double($0.split(separator: " ").last ?? "") } ?? -1
        // Planned: both trees, blobs counted in each. Ingested: the blobs once.
        #expect(ingested > 0 && ingested * 2 < Double(planned), "ingested \(ingested) of \(planned) planned")
        for repository in ["team/a", "team/b"] {
            #expect(try await Self.digest("\(repository):v1", at: destination.host, credentials: "admin:\(Self.destinationPassword)") == image.digest)
        }
    }

    @Test func anHTTPSEndpointIsVerifiedAgainstItsCAFile() async throws {
        let directory = NSTemporaryDirectory() + "berth-replication-tls-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tls = try await makeTestCA(in: directory)
        let source = try await Source()
        defer { source.finish() }
        let destination = try ServerProcess(tls: true, extraArguments: ["--tls-certificate", tls.certificate, "--tls-key", tls.key])
        defer { destination.stop(); destination.removeRoot() }
        try await destination.waitUntilReady()
        let tree = try await SignedImageTree.push(to: source.server.host, content: "over TLS", credentials: source.credentials)

        // Not trusted: the run fails on the certificate, nothing is sent.
        #expect(try await source.berth(["replication", "endpoint", "set", "secure", "--endpoint-url", destination.baseURL]).status == 0)
        #expect(try await source.berth(["replication", "rule", "set", "tls", "--mode", "push", "--endpoint", "secure"]).status == 0)
        #expect(try await source.berth(["replication", "run", "tls"]).status == 1)
        let refused = try await taskOrExecutionError(source, try await latestExecution(source, rule: "tls"))
        #expect(refused.lowercased().contains("certificate") || refused.lowercased().contains("ssl"), "\(refused)")
        #expect(try await Self.digest("app:v1", at: destination.host, credentials: nil) == nil)

        // Trusted through the endpoint's CA file: the tree goes.
        #expect(try await source.berth(["replication", "endpoint", "set", "secure", "--endpoint-url", destination.baseURL,
                                        "--ca-file", "\(tls.caDirectory)/ca.crt"]).status == 0)
        let ran = try await source.berth(["replication", "run", "tls"])
        #expect(ran.status == 0, "\(ran.stdout)\(ran.stderr)")
        #expect(try await Self.digest("app:v1", at: destination.host, credentials: nil) == tree.index)
    }

    // MARK: The reference registry

    @Test func toTheReferenceRegistryAsPlainArtifactsWithTheReferrersTagSchemaAndBackIntoAFreshBerth() async throws {
        let source = try await Source()
        defer { source.finish() }
        let reference = try ReferenceRegistryProcess()
        defer { reference.stop() }
        try await reference.waitUntilReady()
        let tree = try await SignedImageTree.push(to: source.server.host, content: "to the reference registry", credentials: source.credentials)

        #expect(try await source.berth(["replication", "endpoint", "set", "distribution", "--endpoint-url", reference.baseURL, "--insecure"]).status == 0)
        #expect(try await source.berth(["replication", "rule", "set", "out", "--mode", "push", "--endpoint", "distribution"]).status == 0)
        let pushed = try await source.berth(["replication", "run", "out"])
        #expect(pushed.status == 0, "\(pushed.stdout)\(pushed.stderr)")

        // Plain artifacts of the same repository: the tag-scheme signature keeps its tag, the
        // referrers are listed under the schema's tags.
        let tags = try await Self.tags("app", at: reference.baseURL)
        #expect(tags == ["v1", SignedImageTree.schemaTag(tree.index) + ".sig", SignedImageTree.schemaTag(tree.index), SignedImageTree.schemaTag(tree.sbom)])
        let schema = try await run("skopeo", ["inspect", "--raw", "--tls-verify=false", "docker://\(reference.host)/app:\(SignedImageTree.schemaTag(tree.index))"])
        #expect(schema.status == 0, "\(schema.stderr)")
        let listed = (try JSONSerialization.jsonObject(with: Data(schema.stdout.utf8)) as? [String: Any])?["manifests"] as? [[String: Any]] ?? []
        #expect(Set(listed.compactMap { $0["digest"] as? String }) == [tree.notation, tree.sbom])
        #expect(listed.contains { $0["artifactType"] as? String == "application/vnd.cncf.notary.signature" })
        for digest in tree.all {
            let inspected = try await run("skopeo", ["inspect", "--raw", "--tls-verify=false", "docker://\(reference.host)/app@\(digest)"])
            #expect(inspected.status == 0, "\(digest): \(inspected.stderr)")
        }

        // Pull mode: the reference registry back into a fresh Berth, the tree found through the
        // tag schema and the cosign tag scheme.
        let fresh = try await Source()
        defer { fresh.finish() }
        #expect(try await fresh.berth(["replication", "endpoint", "set", "distribution", "--endpoint-url", reference.baseURL, "--insecure"]).status == 0)
        #expect(try await fresh.berth(["replication", "rule", "set", "in", "--mode", "pull", "--endpoint", "distribution"]).status == 0)
        let pulled = try await fresh.berth(["replication", "run", "in"])
        #expect(pulled.status == 0, "\(pulled.stdout)\(pulled.stderr)")
        let original = try await Self.accessories("app:v1", at: source.server.baseURL, password: Self.sourcePassword)
        #expect(try await Self.accessories("app:v1", at: fresh.server.baseURL, password: Self.sourcePassword) == original)
        // The schema's tags are the registry's bookkeeping, not artifacts: they do not come back as tags.
        #expect(try await Self.tags("app", at: fresh.server.baseURL, credentials: fresh.credentials) == ["v1", SignedImageTree.schemaTag(tree.index) + ".sig"])
    }

    @Test func aRegistryAskingForBasicCredentialsGetsTheEndpointsAccount() async throws {
        let source = try await Source()
        defer { source.finish() }
        let reference = try ReferenceRegistryProcess(basic: ("robot", "robot-password"))
        defer { reference.stop() }
        try await reference.waitUntilReady()
        let tree = try await SignedImageTree.push(to: source.server.host, content: "basic", credentials: source.credentials)
        #expect(try await source.berth(["replication", "endpoint", "set", "distribution", "--endpoint-url", reference.baseURL, "--insecure",
                                        "--endpoint-username", "robot", "--password-stdin"], input: "wrong").status == 0)
        #expect(try await source.berth(["replication", "rule", "set", "out", "--mode", "push", "--endpoint", "distribution"]).status == 0)
        #expect(try await source.berth(["replication", "run", "out"]).status == 1)
        let refused = try await taskOrExecutionError(source, try await latestExecution(source, rule: "out"))
        #expect(refused.contains("401") || refused.lowercased().contains("refused the credentials"), "\(refused)")
        #expect(try await source.berth(["replication", "endpoint", "set", "distribution", "--endpoint-url", reference.baseURL, "--insecure",
                                        "--endpoint-username", "robot", "--password-stdin"], input: "robot-password").status == 0)
        let ran = try await source.berth(["replication", "run", "out"])
        #expect(ran.status == 0, "\(ran.stdout)\(ran.stderr)")
        #expect(try await Self.digest("app:v1", at: reference.host, credentials: "robot:robot-password") == tree.index)
        #expect(try await Self.digest("app@\(tree.sbomSignature)", at: reference.host, credentials: "robot:robot-password") == tree.sbomSignature)
    }

    // MARK: Failing destinations

    @Test func aBrokenARefusingAndAStoppedDestinationGiveClearTaskErrorsAndTheNextRunCompletes() async throws {
        let source = try await Source()
        defer { source.finish() }
        let broken = try BrokenRegistryProcess()
        defer { broken.stop() }
        try await broken.waitUntilReady()
        let destinationRoot = NSTemporaryDirectory() + "berth-replication-stopped-\(UUID().uuidString)"
        var destination = try ServerProcess(root: destinationRoot, adminPassword: Self.destinationPassword)
        defer { destination.stop(); destination.removeRoot() }
        try await destination.waitUntilReady()
        let tree = try await SignedImageTree.push(to: source.server.host, content: "resilient", credentials: source.credentials)

        // Broken: 500 on every request.
        #expect(try await source.berth(["replication", "endpoint", "set", "broken", "--endpoint-url", broken.baseURL, "--insecure"]).status == 0)
        #expect(try await source.berth(["replication", "rule", "set", "to-broken", "--mode", "push", "--endpoint", "broken"]).status == 0)
        let toBroken = try await source.berth(["replication", "run", "to-broken", "--json"])
        #expect(toBroken.status == 1)
        let brokenError = try await taskOrExecutionError(source, try await latestExecution(source, rule: "to-broken"))
        #expect(brokenError.contains("answered 500 Internal Server Error"), "\(brokenError)")

        // Refusing: the wrong password.
        #expect(try await source.berth(["replication", "endpoint", "set", "mirror", "--endpoint-url", destination.baseURL, "--insecure",
                                        "--endpoint-username", "admin", "--password-stdin"], input: "wrong-password").status == 0)
        #expect(try await source.berth(["replication", "rule", "set", "to-mirror", "--mode", "push", "--endpoint", "mirror"]).status == 0)
        let refused = try await source.berth(["replication", "run", "to-mirror"])
        #expect(refused.status == 1)
        let refusedExecution = try await latestExecution(source, rule: "to-mirror")
        let refusedError = try await taskOrExecutionError(source, refusedExecution)
        #expect(refusedError.contains("401") || refusedError.lowercased().contains("unauthorized") || refusedError.lowercased().contains("credentials"),
                "\(refusedError)")

        // Stopped: nothing listens.
        #expect(try await source.berth(["replication", "endpoint", "set", "mirror", "--endpoint-url", destination.baseURL, "--insecure",
                                        "--endpoint-username", "admin", "--password-stdin"], input: Self.destinationPassword).status == 0)
        destination.stop()
        let stopped = try await source.berth(["replication", "run", "to-mirror"])
        #expect(stopped.status == 1)
        let stoppedError = try await taskOrExecutionError(source, try await latestExecution(source, rule: "to-mirror"))
        #expect(stoppedError.lowercased().contains("connect") || stoppedError.lowercased().contains("refused"), "\(stoppedError)")

        // Nothing lost at the source; once the destination is back the next run completes.
        let here = try await Self.accessories("app:v1", at: source.server.baseURL, password: Self.sourcePassword)
        #expect(here.count == 4)
        destination = try ServerProcess(root: destinationRoot, port: destination.port, adminPassword: Self.destinationPassword)
        try await destination.waitUntilReady()
        let completed = try await source.berth(["replication", "run", "to-mirror"])
        #expect(completed.status == 0, "\(completed.stdout)\(completed.stderr)")
        #expect(try await Self.accessories("app:v1", at: destination.baseURL, password: Self.destinationPassword) == here)
        #expect(try await Self.referrers(tree.index, in: "app", at: destination.baseURL, credentials: "admin:\(Self.destinationPassword)") == [tree.notation, tree.sbom])
    }

    /// The newest execution of `rule`, as the CLI lists it.
    func latestExecution(_ source: Source, rule: String) async throws -> [String: Any] {
        let listed = try await source.berth(["replication", "executions", rule, "-n", "1", "--json"])
        return (try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])?.first ?? [:]
    }

    /// The first failed task's error of an execution (after its three attempts), else the
    /// execution's own.
    func taskOrExecutionError(_ source: Source, _ execution: [String: Any]) async throws -> String {
        let id = execution["id"] as? Int ?? 0
        let listed = try await source.berth(["replication", "tasks", "\(id)", "--json"])
        let tasks = (try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]) ?? []
        if let failed = tasks.first(where: { $0["state"] as? String == "failed" }) {
            #expect(failed["attempts"] as? Int == 3)
            return failed["error"] as? String ?? ""
        }
        return execution["error"] as? String ?? ""
    }

    // MARK: Documents and schedules

    @Test func badRuleAndEndpointDocumentsAreRefusedWith400NamingTheField() async throws {
        let source = try await Source()
        defer { source.finish() }
        func put(_ path: String, _ body: String) async throws -> (status: Int, body: String) {
            let answer = try await run("curl", ["-s", "-o", "-", "-w", "\n%{http_code}", "-X", "PUT", "-u", source.credentials,
                                                "-H", "Content-Type: application/json", "--data", body,
                                                "\(source.server.baseURL)/admin/v1/replication/\(path)"])
            let lines = answer.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
        }
        let plain = try await put("endpoints/peer", #"{"url":"http://registry.example"}"#)
        #expect(plain.status == 400)
        #expect(plain.body.contains("url:"), "\(plain.body)")
        #expect(plain.body.contains("\"errors\""))
        let typo = try await put("endpoints/peer", #"{"url":42}"#)
        #expect(typo.status == 400)
        #expect(typo.body.contains("url"), "\(typo.body)")
        #expect(try await put("endpoints/peer", #"{"url":"http://registry.example","insecure":true}"#).status == 200)
        let concurrency = try await put("rules/all", #"{"mode":"push","endpoint":"peer","concurrency":0}"#)
        #expect(concurrency.status == 400)
        #expect(concurrency.body.contains("concurrency:"), "\(concurrency.body)")
        let mode = try await put("rules/all", #"{"mode":"sideways","endpoint":"peer"}"#)
        #expect(mode.status == 400)
        #expect(mode.body.contains("mode"), "\(mode.body)")
        let missing = try await put("rules/all", #"{"mode":"push","endpoint":"nowhere"}"#)
        #expect(missing.status == 400)
        #expect(missing.body.contains("endpoint:"), "\(missing.body)")
        let anonymous = try await run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "\(source.server.baseURL)/admin/v1/replication/rules"])
        #expect(anonymous.stdout == "401")
    }

    @Test func aScheduledRuleRunsOnItsOwnAndRecordsItsTrigger() async throws {
        let source = try await Source()
        defer { source.finish() }
        let destination = try ServerProcess()
        defer { destination.stop(); destination.removeRoot() }
        try await destination.waitUntilReady()
        _ = try await SignedImageTree.push(to: source.server.host, content: "scheduled", credentials: source.credentials)
        #expect(try await source.berth(["replication", "endpoint", "set", "mirror", "--endpoint-url", destination.baseURL, "--insecure"]).status == 0)
        #expect(try await source.berth(["replication", "rule", "set", "often", "--mode", "push", "--endpoint", "mirror",
                                        "--trigger", "scheduled", "--interval", "1"]).status == 0)
        var scheduled: [String: Any] = [:]
        // A bound for a stalled machine, not a margin: it ends at the first finished scheduled run.
        for _ in 0..<600 {
            let execution = try await latestExecution(source, rule: "often")
            if execution["trigger"] as? String == "scheduled", execution["state"] as? String != "running" {
                scheduled = execution
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(scheduled["state"] as? String == "succeeded")
        #expect(try await Self.tags("app", at: destination.baseURL).contains("v1"))
    }

    // MARK: Events

    /// Waits until `condition` holds (a bound for a stalled machine, not a margin: it ends at
    /// the first check that holds); returns whether it did.
    func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<600 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// The manifest digest a reference names at a server, or nil.
    static func digest(_ reference: String, at host: String, credentials: String?) async throws -> String? {
        let creds = credentials.map { ["--creds", $0] } ?? []
        let inspected = try await run("skopeo", ["inspect", "--raw", "--tls-verify=false"] + creds + ["docker://\(host)/\(reference)"])
        guard inspected.status == 0 else { return nil }
        return "sha256:" + sha256Hex(Data(inspected.stdout.utf8))
    }

    @Test func eventRulesHoldUnsignedSubjectsAndCarrySignaturesInEveryOrderAndPropagateDeletes() async throws {
        let source = try await Source()
        defer { source.finish() }
        let destination = try ServerProcess(adminPassword: Self.destinationPassword)
        defer { destination.stop(); destination.removeRoot() }
        try await destination.waitUntilReady()
        let there = "admin:\(Self.destinationPassword)"
        #expect(try await source.berth(["replication", "endpoint", "set", "mirror", "--endpoint-url", destination.baseURL, "--insecure",
                                        "--endpoint-username", "admin", "--password-stdin"], input: Self.destinationPassword).status == 0)
        let rule = try await source.berth(["replication", "rule", "set", "events", "--mode", "push", "--endpoint", "mirror",
                                           "--trigger", "event", "--signed-only", "present", "--propagate-deletes"])
        #expect(rule.status == 0, "\(rule.stderr)")
        let layout = try OCILayout()
        defer { layout.remove() }
        let keys = layout.path + "-keys"
        defer { try? FileManager.default.removeItem(atPath: keys) }
        let key = try await OpenSSLKeyPair(in: keys)
        func copy(_ descriptor: String, to target: String) async throws {
            try layout.tag(descriptor, as: "x")
            let copied = try await run("skopeo", ["copy", "--preserve-digests", "--dest-tls-verify=false", "--dest-creds", source.credentials,
                                                  "oci:\(layout.path):x", "docker://\(source.server.host)/\(target)"])
            #expect(copied.status == 0, "\(copied.stderr)")
        }

        // Subject, then signature: held while unsigned, sent with its first signature.
        let one = try await layout.image(architecture: "amd64", content: "event one")
        try await copy(one.json, to: "app:one")
        #expect(try await eventually { (try await latestExecution(source, rule: "events"))["waiting"] as? Int == 1 })
        #expect(try await Self.digest("app:one", at: destination.host, credentials: there) == nil)
        let oneSignature = try await layout.cosignSignature(of: one.digest, privateKey: key.privateKey)
        try await copy(oneSignature.json, to: "app:\(SignedImageTree.schemaTag(one.digest)).sig")
        #expect(try await eventually { try await Self.digest("app:one", at: destination.host, credentials: there) == one.digest })
        #expect(try await eventually {
            try await Self.digest("app:\(SignedImageTree.schemaTag(one.digest)).sig", at: destination.host, credentials: there) == oneSignature.digest
        })

        // A signature later, for a subject already there: it goes alone.
        let later = try await layout.cosignSignature(of: one.digest, privateKey: key.privateKey)
        try await copy(later.json, to: "app:\(SignedImageTree.schemaTag(one.digest)).att")
        #expect(try await eventually {
            try await Self.digest("app:\(SignedImageTree.schemaTag(one.digest)).att", at: destination.host, credentials: there) == later.digest
        })

        // Signature before its subject: it waits, then both go.
        let three = try await layout.image(architecture: "arm64", content: "event three")
        let threeSignature = try await layout.cosignSignature(of: three.digest, privateKey: key.privateKey)
        try await copy(threeSignature.json, to: "app:\(SignedImageTree.schemaTag(three.digest)).sig")
        try await copy(three.json, to: "app:three")
        #expect(try await eventually { try await Self.digest("app:three", at: destination.host, credentials: there) == three.digest })
        #expect(try await eventually {
            try await Self.digest("app:\(SignedImageTree.schemaTag(three.digest)).sig", at: destination.host, credentials: there) == threeSignature.digest
        })
        let tree = try await Self.accessories("app:three", at: destination.baseURL, password: Self.destinationPassword)
        #expect(tree.count == 1)

        // Deleting a subject deletes it and its signatures there.
        let deleted = try await run("skopeo", ["delete", "--tls-verify=false", "--creds", source.credentials, "docker://\(source.server.host)/app:one"])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(try await eventually { try await Self.digest("app@\(one.digest)", at: destination.host, credentials: there) == nil })
        #expect(try await Self.digest("app@\(oneSignature.digest)", at: destination.host, credentials: there) == nil)
        #expect(try await Self.digest("app:three", at: destination.host, credentials: there) == three.digest)
    }

    @Test func deletesPropagateToTheReferenceRegistryKeepingTheReferrersTagSchemaTrue() async throws {
        let source = try await Source()
        defer { source.finish() }
        let reference = try ReferenceRegistryProcess()
        defer { reference.stop() }
        try await reference.waitUntilReady()
        #expect(try await source.berth(["replication", "endpoint", "set", "distribution", "--endpoint-url", reference.baseURL, "--insecure"]).status == 0)
        #expect(try await source.berth(["replication", "rule", "set", "events", "--mode", "push", "--endpoint", "distribution",
                                        "--trigger", "event", "--propagate-deletes"]).status == 0)
        let tree = try await SignedImageTree.push(to: source.server.host, content: "propagated", credentials: source.credentials)
        let schemaTag = SignedImageTree.schemaTag(tree.index)
        func listed() async throws -> Set<String> {
            let schema = try await run("skopeo", ["inspect", "--raw", "--tls-verify=false", "docker://\(reference.host)/app:\(schemaTag)"])
            guard schema.status == 0 else { return [] }
            let manifests = (try JSONSerialization.jsonObject(with: Data(schema.stdout.utf8)) as? [String: Any])?["manifests"] as? [[String: Any]] ?? []
            return Set(manifests.compactMap { $0["digest"] as? String })
        }
        #expect(try await eventually { try await listed() == [tree.notation, tree.sbom] })

        // One signature deleted: gone there, and gone from its subject's schema index.
        let removed = try await source.berth(["accessories", "app:v1", "--delete", tree.notation])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(try await eventually { try await listed() == [tree.sbom] })
        #expect(try await Self.digest("app@\(tree.notation)", at: reference.host, credentials: nil) == nil)

        // The subject deleted: it, its accessories and the schema's indexes go.
        let deleted = try await run("skopeo", ["delete", "--tls-verify=false", "--creds", source.credentials, "docker://\(source.server.host)/app:v1"])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(try await eventually { try await Self.digest("app@\(tree.index)", at: reference.host, credentials: nil) == nil })
        for digest in [tree.cosign, tree.sbom, tree.sbomSignature] {
            #expect(try await Self.digest("app@\(digest)", at: reference.host, credentials: nil) == nil, "\(digest) is still there")
        }
        #expect(try await listed().isEmpty)
    }

    @Test func aSourceKilledInTheMiddleOfEventsDrainsItsOutboxAfterTheRestart() async throws {
        let root = NSTemporaryDirectory() + "berth-replication-killed-\(UUID().uuidString)"
        var source = try ServerProcess(root: root, adminPassword: Self.sourcePassword)
        defer { source.stop(); source.removeRoot() }
        try await source.waitUntilReady()
        let destination = try ServerProcess()
        defer { destination.stop(); destination.removeRoot() }
        try await destination.waitUntilReady()
        let login = ["--url", source.baseURL, "--username", "admin", "--password", Self.sourcePassword]
        #expect(try await runBerth(["replication", "endpoint", "set", "mirror", "--endpoint-url", destination.baseURL, "--insecure"] + login, input: nil).status == 0)
        #expect(try await runBerth(["replication", "rule", "set", "events", "--mode", "push", "--endpoint", "mirror", "--trigger", "event"] + login,
                                   input: nil).status == 0)
        // A burst of 30 tagged images, then SIGKILL at once: events committed, most not yet sent.
        let count = 30
        let script = """
        import hashlib, json, requests
        auth = ("admin", "\(Self.sourcePassword)")
        base = "http://\(source.host)/v2/app"
        def blob(data, media):
            digest = "sha256:" + hashlib.sha256(data).hexdigest()
            started = requests.post(base + "/blobs/uploads/", auth=auth)
            location = started.headers["Location"]
            if location.startswith("/"): location = "http://\(source.host)" + location
            assert requests.put(location, params={"digest": digest}, data=data, auth=auth).status_code == 201
            return {"mediaType": media, "digest": digest, "size": len(data)}
        config = blob(b'{"architecture":"amd64","os":"linux"}', "application/vnd.oci.image.config.v1+json")
        layer = blob(b"a layer" * 1000, "application/vnd.oci.image.layer.v1.tar")
        session = requests.Session()
        for number in range(\(count)):
            document = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": config,
                        "layers": [layer], "annotations": {"number": str(number)}}
            put = session.put(base + "/manifests/t%d" % number, data=json.dumps(document).encode(), auth=auth,
                              headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
            assert put.status_code == 201, put.text
        """
        let pushed = try await run("python3", ["-c", script])
        #expect(pushed.status == 0, "\(pushed.stderr)")
        kill(source.process.processIdentifier, SIGKILL)
        source.process.waitUntilExit()
        let before = try await Self.tags("app", at: destination.baseURL).count
        source = try ServerProcess(root: root, port: source.port, adminPassword: Self.sourcePassword)
        try await source.waitUntilReady()
        #expect(try await eventually { try await Self.tags("app", at: destination.baseURL).count == count },
                "\(before) of \(count) were there at the kill")
    }
}

/// The hex SHA-256 of bytes (the digest of a manifest skopeo printed raw).
func sha256Hex(_ data: Data) -> String {
    (try? ContentHasher.digest(of: Array(data)).encoded) ?? ""
}
