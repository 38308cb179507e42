import Foundation
import Testing

/// What an operator of `berth serve` reads: `/metrics` (Prometheus, through swift-metrics)
/// after real clients worked, and the JSON log a log shipper parses.
@Suite(.serialized) struct ObservabilityTests {
    /// `/metrics` as a scraper reads it: each sample's name with labels to its value.
    private func scrape(_ server: ServerProcess, credentials: String? = nil) async throws -> [String: Double] {
        let result = try await run("curl", ["-s"] + (credentials.map { ["-u", $0] } ?? []) + ["\(server.baseURL)/metrics"])
        #expect(result.status == 0)
        var samples: [String: Double] = [:]
        for line in result.stdout.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    @Test func skopeoPushesAndPullsAndACollectionShowInTheMetricsOfBerthServe() async throws {
        let server = try ServerProcess(adminPassword: "admin-secret")
        defer { server.stop(); server.removeRoot() }
        try await server.waitUntilReady()
        let layout = try OCILayout()
        defer { layout.remove() }
        let image = try await layout.image(architecture: "amd64", content: "figures")
        try layout.tag(image.json, as: "v1")
        let credentials = ["--dest-creds", "admin:admin-secret"]
        let push = try await run("skopeo", ["copy", "--dest-tls-verify=false"] + credentials + ["oci:\(layout.path):v1", "docker://\(server.host)/team/app:v1"])
        #expect(push.status == 0, "\(push.stderr)")
        let out = NSTemporaryDirectory() + "berth-figures-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let pull = try await run("skopeo", ["copy", "--src-tls-verify=false", "--src-creds", "admin:admin-secret",
                                            "docker://\(server.host)/team/app:v1", "oci:\(out):v1"])
        #expect(pull.status == 0, "\(pull.stderr)")
        let collect = try await run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-u", "admin:admin-secret", "-X", "POST",
                                             "\(server.baseURL)/admin/v1/gc"])
        #expect(collect.stdout == "200")

        let samples = try await scrape(server, credentials: "admin:admin-secret")
        // The image: a config and three layers, one manifest, one tag.
        #expect(samples["berth_ingested_blobs_total"] == 4)
        #expect(samples["berth_manifests"] == 1)
        #expect(samples["berth_tags"] == 1)
        #expect(samples["berth_blobs_stored"] == 4)
        #expect((samples["berth_blob_bytes_stored"] ?? 0) > 0)
        #expect(samples[#"berth_http_requests_total{route="manifest",method="PUT",status="201"}"#] == 1)
        #expect((samples[#"berth_http_requests_total{route="blob",method="GET",status="200"}"#] ?? 0) >= 4)
        #expect((samples["berth_http_sent_bytes_total"] ?? 0) > 0)
        #expect(samples["berth_gc_runs_total"] == 1)
        #expect(samples["berth_gc_duration_seconds_count"] == 1)
        #expect((samples["berth_index_write_transactions_total"] ?? 0) >= 3)
        #expect((samples["berth_index_map_used_bytes"] ?? 0) > 0)
    }

    @Test func theTextLogHasOneLinePerRequestWithItsFields() async throws {
        let server = try ServerProcess(adminPassword: "admin-secret", extraArguments: ["--log-level", "info"])
        defer { server.removeRoot() }
        try await server.waitUntilReady()
        let listed = try await run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-u", "admin:admin-secret",
                                            "\(server.baseURL)/v2/_catalog"])
        #expect(listed.stdout == "200")
        server.stop()
        // swift-log's text format, the metadata sorted: `<time> info berth: account=admin … [BerthHTTP] request`.
        let line = try #require(server.log().split(separator: "\n").first { $0.contains("path=/v2/_catalog") })
        #expect(line.contains(" info berth: "))
        #expect(line.contains("account=admin"))
        #expect(line.contains("route=catalog"))
        #expect(line.contains("status=200"))
        #expect(line.hasSuffix("request"))
    }

    @Test func theJSONLogHasOneObjectPerRequestWithItsFields() async throws {
        let server = try ServerProcess(adminPassword: "admin-secret", extraArguments: ["--log-level", "info", "--log-format", "json"])
        defer { server.removeRoot() }
        try await server.waitUntilReady()
        let content = NSTemporaryDirectory() + "berth-json-log-\(UUID().uuidString)"
        try Data(repeating: 7, count: 1234).write(to: URL(fileURLWithPath: content))
        defer { try? FileManager.default.removeItem(atPath: content) }
        let digest = "sha256:" + (try await run("sha256sum", [content])).stdout.prefix(64)
        let push = try await run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-u", "admin:admin-secret", "-X", "POST",
                                          "-H", "Content-Type: application/octet-stream", "--data-binary", "@\(content)",
                                          "\(server.baseURL)/v2/team/app/blobs/uploads/?digest=\(digest)"])
        #expect(push.stdout == "201")
        let anonymous = try await run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "\(server.baseURL)/v2/team/app/tags/list"])
        #expect(anonymous.stdout == "401")
        server.stop()

        let lines = server.log().split(separator: "\n")
        var objects: [[String: Any]] = []
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not one JSON object: \(line)")
            objects.append(object)
        }
        for object in objects {
            #expect(object["time"] is String)
            #expect(object["level"] is String)
            #expect(object["message"] is String)
        }
        let requests = objects.filter { $0["message"] as? String == "request" }
        let pushed = try #require(requests.first { $0["method"] as? String == "POST" && ($0["path"] as? String)?.hasPrefix("/v2/team/app/blobs/uploads") == true })
        #expect(pushed["status"] as? Int == 201)
        #expect(pushed["route"] as? String == "uploads")
        #expect(pushed["bytes_in"] as? Int == 1234)
        #expect(pushed["bytes_out"] as? Int == 0)
        #expect(pushed["duration_ms"] is Double || pushed["duration_ms"] is Int)
        #expect(pushed["client"] as? String == "127.0.0.1")
        #expect(pushed["account"] as? String == "admin")
        #expect(pushed["level"] as? String == "info")
        let refused = try #require(requests.first { ($0["path"] as? String) == "/v2/team/app/tags/list" })
        #expect(refused["status"] as? Int == 401)
        #expect(refused["route"] as? String == "tags")
        #expect(refused["account"] == nil)
        let timestamp = try #require(pushed["time"] as? String)
        #expect(timestamp.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil)
    }
}
