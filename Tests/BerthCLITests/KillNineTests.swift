import BerthEngine
import Foundation
import BerthTestSupport
import Testing

/// `kill -9` at random instants: concurrent monolithic pushes, chunked uploads and manifests
/// with a Notation signature each (`Tests/Crash/workload.py`) against a real `berth serve`,
/// which is killed with SIGKILL, restarted, and checked: every write the server acknowledged
/// before it died is there, byte-exact, and at the end `berth fsck` finds the store clean.
@Suite(.serialized) struct KillNineTests {
    static let workload = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Crash/workload.py").path

    @Test func everyAcknowledgedWriteSurvivesSIGKILLAtRandomInstants() async throws {
        let root = NSTemporaryDirectory() + "berth-kill9-\(UUID().uuidString)"
        let log = root + "-acknowledged.jsonl"
        defer { try? FileManager.default.removeItem(atPath: root); try? FileManager.default.removeItem(atPath: log) }
        var generator = SystemRandomNumberGenerator()
        var port: Int?
        var checked = 0
        for round in 1...3 {
            let server = try ServerProcess(root: root, port: port)
            port = server.port
            try await server.waitUntilReady()
            // Everything acknowledged in earlier rounds is there after this restart.
            checked = try await verify(log, server)
            let client = ChildProcess("python3", [Self.workload, server.baseURL, log, String(round)], output: root + "-workload.log")
            try client.run()
            try await Task.sleep(for: .milliseconds(Int.random(in: 700...2500, using: &generator)))
            kill(server.process.processIdentifier, SIGKILL)
            server.process.waitUntilExit()
            try await offPool { client.waitUntilExit() }
        }
        let server = try ServerProcess(root: root, port: port)
        try await server.waitUntilReady()
        checked = try await verify(log, server)
        #expect(checked > 20, "the workload acknowledged \(checked) writes over three rounds")
        server.stop()
        let fsck = try await runBerth(["fsck", "--root", root], input: nil)
        #expect(fsck.status == 0, "fsck after three SIGKILLs: \(fsck.stdout)\(fsck.stderr)")
    }

    /// Checks every logged write against the server; returns how many were checked.
    private func verify(_ log: String, _ server: ServerProcess) async throws -> Int {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return 0 }
        var count = 0
        for line in text.split(separator: "\n") {
            guard let entry = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let kind = entry["kind"] as? String, let repo = entry["repo"] as? String, let digest = entry["digest"] as? String else {
                Issue.record("a log line that is not an entry: \(line)")
                continue
            }
            let path = kind == "blob" ? "blobs" : "manifests"
            let response = try await httpGet("\(server.baseURL)/v2/\(repo)/\(path)/\(digest)",
                                             headers: ["Accept": "application/vnd.oci.image.manifest.v1+json"])
            #expect(response.status == 200, "\(kind) \(repo)@\(digest) acknowledged, then missing")
            let actual = try ContentHasher.digest(of: Array(response.body)).description
            #expect(actual == digest, "\(kind) \(repo)@\(digest) reads back as \(actual)")
            if kind == "blob", let size = entry["size"] as? Int { #expect(response.body.count == size) }
            if let tag = entry["tag"] as? String {
                let tagged = try await httpGet("\(server.baseURL)/v2/\(repo)/manifests/\(tag)", headers: ["Accept": "application/vnd.oci.image.manifest.v1+json"])
                #expect(tagged.headers["docker-content-digest"] == digest, "the tag \(tag) names \(digest)")
            }
            if let subject = entry["subject"] as? String {
                let referrers = try await httpGet("\(server.baseURL)/v2/\(repo)/referrers/\(subject)")
                #expect(String(decoding: referrers.body, as: UTF8.self).contains(digest), "the signature \(digest) is a referrer of \(subject)")
            }
            count += 1
        }
        return count
    }
}


/// The index's map near full: pushes answer 507 and nothing stored is lost; a restart with a
/// larger `--map-size` goes on.
@Suite(.serialized) struct IndexMapFullTests {
    @Test func aFullIndexAnswers507AndALargerMapSizeGoesOn() async throws {
        let root = NSTemporaryDirectory() + "berth-mapfull-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let small = try ServerProcess(root: root, extraArguments: ["--map-size", "1048576"])
        try await small.waitUntilReady()
        // Manifests with large annotations (stored raw in the index) until it is full.
        let script = """
        import hashlib, http.client, json, sys
        c = http.client.HTTPConnection("\(small.host)")
        def put(method, path, body, ctype):
            c.request(method, path, body=body, headers={"Content-Type": ctype, "Content-Length": str(len(body))})
            r = c.getresponse(); data = r.read(); return r.status, data
        def blob(data):
            d = "sha256:" + hashlib.sha256(data).hexdigest()
            s, _ = put("POST", "/v2/full/app/blobs/uploads/?digest=" + d, data, "application/octet-stream")
            assert s == 201, s
            return {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": d, "size": len(data)}
        config = blob(b'{"architecture":"amd64","os":"linux"}')
        stored = 0
        for n in range(5000):
            doc = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": config,
                              "layers": [], "annotations": {"n": str(n), "pad": hashlib.sha512(str(n).encode()).hexdigest() * 40}}).encode()
            s, data = put("PUT", "/v2/full/app/manifests/t%d" % n, doc, "application/vnd.oci.image.manifest.v1+json")
            if s != 201:
                print(stored, s, data.decode()[:200]); sys.exit(0)
            stored += 1
        print(stored, 201, "never full")
        """
        let filled = try await run("python3", ["-c", script])
        let parts = filled.stdout.split(separator: " ", maxSplits: 2)
        let stored = Int(parts.first ?? "") ?? 0
        #expect(parts.count > 1 && parts[1] == "507", "a full index answers 507: \(filled.stdout)\(filled.stderr)")
        #expect(stored > 10)
        small.stop()

        let larger = try ServerProcess(root: root, port: small.port, extraArguments: ["--map-size", "67108864"])
        defer { larger.stop() }
        try await larger.waitUntilReady()
        for tag in ["t0", "t\(stored - 1)"] {
            let response = try await httpGet("\(larger.baseURL)/v2/full/app/manifests/\(tag)", headers: ["Accept": "application/vnd.oci.image.manifest.v1+json"])
            #expect(response.status == 200, "\(tag), stored before the index filled, is intact")
        }
        let more = try await run("python3", ["-c", script.replacingOccurrences(of: small.host, with: larger.host)
            .replacingOccurrences(of: "range(5000)", with: "range(\(stored), \(stored + 20))")])
        #expect(more.stdout.hasPrefix("20 201"), "with a larger map the pushes go on: \(more.stdout)\(more.stderr)")
    }
}
