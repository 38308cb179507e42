import BerthTestSupport
import Foundation
import Testing

/// Debian's `docker-registry` (the CNCF reference registry) on a free loopback port with its
/// own configuration and storage (deletes enabled), not the packaged service.
final class ReferenceRegistryProcess: @unchecked Sendable {
    let directory: String
    let port: Int
    let process: ChildProcess
    var host: String { "127.0.0.1:\(port)" }
    var baseURL: String { "http://\(host)" }

    /// `basic`: an account (user, password) the registry asks for with Basic authentication
    /// (its htpasswd file, bcrypt at the lowest cost: the registry checks it on every request);
    /// nil: no authentication.
    init(basic: (user: String, password: String)? = nil) throws {
        directory = NSTemporaryDirectory() + "berth-reference-registry-\(UUID().uuidString)"
        port = try ServerProcess.freePort()
        try FileManager.default.createDirectory(atPath: "\(directory)/data", withIntermediateDirectories: true)
        var auth = ""
        if let basic {
            let hashed = try ChildProcess.run("python3", ["-W", "ignore", "-c",
                "import crypt, sys; print(sys.argv[1] + ':' + crypt.crypt(sys.argv[2], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))",
                basic.user, basic.password])
            try Data(hashed.stdout.utf8).write(to: URL(fileURLWithPath: "\(directory)/htpasswd"))
            auth = """
            auth:
              htpasswd:
                realm: reference
                path: \(directory)/htpasswd
            """
        }
        let configuration = """
        version: 0.1
        log:
          level: warn
        storage:
          filesystem:
            rootdirectory: \(directory)/data
          delete:
            enabled: true
        http:
          addr: 127.0.0.1:\(port)
        \(auth)
        """
        try Data(configuration.utf8).write(to: URL(fileURLWithPath: "\(directory)/config.yml"))
        process = ChildProcess("/usr/bin/docker-registry", ["serve", "\(directory)/config.yml"], output: "\(directory)/log")
        try process.run()
    }

    func waitUntilReady() async throws {
        for _ in 0..<600 {
            if let probe = try? await run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "\(baseURL)/v2/"]),
               probe.stdout == "200" || probe.stdout == "401" { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ServerProcess.ServerFailed(log: String(decoding: FileManager.default.contents(atPath: "\(directory)/log") ?? Data(), as: UTF8.self))
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A registry that answers every request with 500 and an OCI error document, as a broken
/// destination does.
final class BrokenRegistryProcess: @unchecked Sendable {
    let port: Int
    let process: ChildProcess
    var baseURL: String { "http://127.0.0.1:\(port)" }

    init() throws {
        port = try ServerProcess.freePort()
        let script = """
        import http.server
        class Broken(http.server.BaseHTTPRequestHandler):
            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length: self.rfile.read(length)
                body = b'{"errors":[{"code":"UNKNOWN","message":"the disk is on fire"}]}'
                self.send_response(500)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = answer
            def log_message(self, *args): pass
        http.server.ThreadingHTTPServer(("127.0.0.1", \(port)), Broken).serve_forever()
        """
        process = ChildProcess("/usr/bin/env", ["python3", "-c", script], output: "/dev/null")
        try process.run()
    }

    func waitUntilReady() async throws {
        for _ in 0..<600 {
            if let probe = try? await run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "\(baseURL)/v2/"]), probe.stdout == "500" { return }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

/// A signed multi-arch image as people push it: an index of two platform images and a cosign
/// tag-scheme signature copied by skopeo; a Notation signature, an SBOM and a signature of
/// the SBOM pushed as OCI 1.1 referrers through the distribution API.
struct SignedImageTree {
    let index: String
    let children: [String]
    let cosign: String
    let notation: String
    let sbom: String
    let sbomSignature: String

    /// Every manifest of the tree.
    var all: Set<String> { Set([index, cosign, notation, sbom, sbomSignature] + children) }

    /// The referrers tag schema's tag for `digest`.
    static func schemaTag(_ digest: String) -> String { "sha256-" + digest.dropFirst(7) }

    /// Pushes the tree to `host`/`repository`, the index tagged `tag`; `credentials` is
    /// `user:password` or nil.
    static func push(to host: String, repository: String = "app", tag: String = "v1", content: String,
                     credentials: String? = nil) async throws -> SignedImageTree {
        let layout = try OCILayout()
        defer { layout.remove() }
        let keys = layout.path + "-keys"
        defer { try? FileManager.default.removeItem(atPath: keys) }
        let key = try await OpenSSLKeyPair(in: keys)
        let amd = try await layout.image(architecture: "amd64", content: content)
        let arm = try await layout.image(architecture: "arm64", content: content)
        let index = try layout.blob(Data(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[\#(amd.json),\#(arm.json)]}"#.utf8),
                                    mediaType: "application/vnd.oci.image.index.v1+json")
        let creds = credentials.map { ["--dest-creds", $0] } ?? []
        try layout.tag(index.json, as: "index")
        try await copy(["--all", "--preserve-digests"] + creds, "oci:\(layout.path):index", "docker://\(host)/\(repository):\(tag)")
        let signature = try await layout.cosignSignature(of: index.digest, privateKey: key.privateKey)
        try layout.tag(signature.json, as: "sig")
        try await copy(["--preserve-digests"] + creds, "oci:\(layout.path):sig", "docker://\(host)/\(repository):\(schemaTag(index.digest)).sig")
        let indexSize = try Data(contentsOf: URL(fileURLWithPath: "\(layout.path)/blobs/sha256/\(index.digest.dropFirst(7))")).count
        let referrers = try await pushReferrers(host: host, repository: repository, subject: index.digest, subjectSize: indexSize,
                                                content: content, credentials: credentials)
        return SignedImageTree(index: index.digest, children: [amd.digest, arm.digest], cosign: signature.digest,
                               notation: referrers[0], sbom: referrers[1], sbomSignature: referrers[2])
    }

    private static func copy(_ flags: [String], _ from: String, _ to: String) async throws {
        let copied = try await run("skopeo", ["copy", "--dest-tls-verify=false"] + flags + [from, to])
        guard copied.status == 0 else { throw OCILayout.LayoutError(message: "skopeo copy \(to): \(copied.stderr)") }
    }

    /// Pushes the Notation signature and the SBOM (both referring to the subject) and the
    /// SBOM's signature; returns their digests in that order.
    private static func pushReferrers(host: String, repository: String, subject: String, subjectSize: Int, content: String,
                                      credentials: String?) async throws -> [String] {
        let auth = credentials.map { "auth = tuple(\"\($0)\".split(\":\", 1))" } ?? "auth = None"
        let script = """
        import hashlib, json, requests, sys
        \(auth)
        base = "http://\(host)/v2/\(repository)"
        def blob(data):
            digest = "sha256:" + hashlib.sha256(data).hexdigest()
            started = requests.post(base + "/blobs/uploads/", auth=auth)
            assert started.status_code == 202, started.text
            location = started.headers["Location"]
            if location.startswith("/"): location = "http://\(host)" + location
            done = requests.put(location, params={"digest": digest}, data=data, auth=auth,
                                headers={"Content-Type": "application/octet-stream"})
            assert done.status_code == 201, done.text
            return {"digest": digest, "size": len(data)}
        def manifest(artifact_type, layer_type, payload, subject):
            config = blob(b"{}")
            config["mediaType"] = "application/vnd.oci.empty.v1+json"
            layer = blob(payload)
            layer["mediaType"] = layer_type
            document = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "artifactType": artifact_type, "config": config, "layers": [layer],
                        "subject": subject}
            data = json.dumps(document, separators=(",", ":")).encode()
            digest = "sha256:" + hashlib.sha256(data).hexdigest()
            put = requests.put(base + "/manifests/" + digest, data=data, auth=auth,
                               headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
            assert put.status_code == 201, put.text
            return {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": len(data)}
        subject = {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": "\(subject)", "size": \(subjectSize)}
        notation = manifest("application/vnd.cncf.notary.signature", "application/jose+json", b'{"payload":"\(content) signed"}', subject)
        sbom = manifest("application/spdx+json", "application/spdx+json", b'{"spdxVersion":"SPDX-2.3","name":"\(content)"}', subject)
        sbom_signature = manifest("application/vnd.cncf.notary.signature", "application/jose+json", b'{"payload":"\(content) sbom signed"}', sbom)
        print(notation["digest"], sbom["digest"], sbom_signature["digest"])
        """
        let pushed = try await run("python3", ["-c", script])
        let digests = pushed.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard pushed.status == 0, digests.count == 3 else { throw OCILayout.LayoutError(message: "referrer push: \(pushed.stderr)") }
        return digests
    }
}

/// An accessory tree as `berth accessories --json` prints it, reduced to comparable facts:
/// depth, digest, type and size of every node.
func accessoryFacts(_ nodes: [[String: Any]], depth: Int = 0) -> Set<String> {
    var facts = Set<String>()
    for node in nodes {
        facts.insert("\(depth) \(node["digest"] as? String ?? "?") \(node["type"] as? String ?? "?") \(node["size"] as? Int ?? -1)")
        facts.formUnion(accessoryFacts(node["accessories"] as? [[String: Any]] ?? [], depth: depth + 1))
    }
    return facts
}

/// `berth` with `input` on its standard input.
func runBerth(_ arguments: [String], input: String?) async throws -> (status: Int32, stdout: String, stderr: String) {
    try await run(berthExecutable().path, arguments, input: input)
}
