import BerthHTTP
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct BaseAndRoutingTests {
    @Test func baseEndpointAnswersWithTheAPIVersion() async throws {
        try await withServer { client, _ in
            let response = try await client.execute(uri: "/v2/", method: .get)
            #expect(response.status == .ok)
            #expect(response.header("Docker-Distribution-API-Version") == "registry/2.0")
            let bare = try await client.execute(uri: "/v2", method: .get)
            #expect(bare.status == .ok)
        }
    }

    @Test func unknownEndpointIsA404InTheSpecErrorFormat() async throws {
        try await withServer { client, _ in
            let response = try await client.execute(uri: "/v2/app/nonsense", method: .get)
            #expect(response.status == .notFound)
            #expect(response.errorCode == "NOT_FOUND")
            #expect(response.headers[.contentType] == "application/json")
        }
    }

    @Test func invalidRepositoryNameIsNameInvalid() async throws {
        try await withServer { client, _ in
            let response = try await client.execute(uri: "/v2/Bad_Name/tags/list", method: .get)
            #expect(response.status == .badRequest)
            #expect(response.errorCode == "NAME_INVALID")
        }
    }

    @Test(arguments: ["a/manifests", "x/blobs", "team/tags", "deep/referrers/blobs/uploads", "manifests"])
    func namesEndingInEndpointWordsRouteCorrectly(name: String) async throws {
        try await withServer { client, _ in
            let image = try await pushImageBlobs(client, name, seed: 3)
            let put = try await putManifest(client, name, "v1", image.bytes)
            #expect(put.status == .created)
            #expect(put.header("Location") == "/v2/\(name)/manifests/\(image.digest)")
            let tags = try await client.execute(uri: "/v2/\(name)/tags/list", method: .get)
            #expect(tags.json?["name"] as? String == name)
            #expect(tags.json?["tags"] as? [String] == ["v1"])
            let get = try await client.execute(uri: "/v2/\(name)/manifests/v1", method: .get)
            #expect(get.status == .ok)
            #expect(Array(buffer: get.body) == image.bytes)
        }
    }

    @Test func unsupportedMethodIsUnsupported() async throws {
        try await withServer { client, _ in
            let response = try await client.execute(uri: "/v2/app/tags/list", method: .delete)
            #expect(response.status == .methodNotAllowed)
            #expect(response.errorCode == "UNSUPPORTED")
        }
    }

    @Test func healthzAnswersOk() async throws {
        try await withServer { client, _ in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == "ok\n")
        }
    }

    @Test func metricsCountRequestsByRouteAndStatus() async throws {
        try await withServer { client, _ in
            _ = try await client.execute(uri: "/v2/", method: .get)
            _ = try await client.execute(uri: "/v2/app/manifests/missing", method: .get)
            let response = try await client.execute(uri: "/metrics", method: .get)
            let text = String(buffer: response.body)
            #expect(text.contains(#"berth_http_requests_total{route="base",method="GET",status="200"} 1"#))
            #expect(text.contains(#"berth_http_requests_total{route="manifest",method="GET",status="404"} 1"#))
            #expect(text.contains("berth_http_request_duration_seconds_count"))
            #expect(text.contains("berth_uploads_in_progress 0"))
        }
    }
}
