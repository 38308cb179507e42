import BerthEngine
import BerthHTTP
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct HostileInputTests {
    @Test(arguments: [
        "/v2/../etc/passwd/tags/list", "/v2/a/../../b/tags/list", "/v2/%2e%2e/x/tags/list", "/v2/..%2f..%2fetc/tags/list",
        "/v2/app/blobs/sha256:..%2f..%2f..%2fetc%2fpasswd", "/v2/app/blobs/sha256:../../etc", "/v2/app/manifests/..%2f..%2fx",
        "/v2/app/blobs/uploads/..%2f..%2findex", "/v2/app/referrers/..", "/v2/app%00x/tags/list", "/v2/-/tags/list",
    ])
    func pathsThatTryToLeaveTheDataRootAreRefused(path: String) async throws {
        try await withServer { client, registry in
            let response = try await client.execute(uri: path, method: .get)
            #expect([400, 404].contains(response.status.code), "\(path): \(response.status)")
            #expect(response.errorCode != nil)
            #expect(!String(buffer: response.body).contains(registry.layout.root))
        }
    }

    @Test func aBlobOverTheLimitIsRefusedBeforeAndWhileStreaming() async throws {
        try await withServer(maximumBlobSize: 1000) { client, registry in
            let big = bytes(2000)
            let declared = try await client.execute(uri: "/v2/app/blobs/uploads/?digest=\(sha256(big))", method: .post,
                                                    headers: [.contentLength: "2000"], body: ByteBuffer(bytes: big))
            #expect(declared.status == .contentTooLarge)
            #expect(declared.errorCode == "SIZE_INVALID")
            let start = try await client.execute(uri: "/v2/app/blobs/uploads/", method: .post)
            let location = try #require(start.header("Location"))
            let chunked = try await client.execute(uri: location, method: .patch, body: ByteBuffer(bytes: big))
            #expect(chunked.status == .contentTooLarge)
            #expect(FileManager.default.enumerator(atPath: registry.layout.blobs)?.allObjects.contains { ($0 as? String)?.count ?? 0 > 20 } != true)
        }
    }

    @Test func tooManyUploadsOfOneAccountAtOnceGet429() async throws {
        try await withAuthServer(configure: { $0.maximumUploadsPerPrincipal = 2 }) { client, _, _ in
            for _ in 0..<2 {
                #expect(try await client.execute(uri: "/v2/team/app/blobs/uploads/", method: .post, headers: basic("alice")).status == .accepted)
            }
            let third = try await client.execute(uri: "/v2/team/app/blobs/uploads/", method: .post, headers: basic("alice"))
            #expect(third.status == .tooManyRequests)
            #expect(third.errorCode == "TOOMANYREQUESTS")
            #expect(third.header("Retry-After") != nil)
            // Another account's allowance is its own.
            #expect(try await client.execute(uri: "/v2/team/app/blobs/uploads/", method: .post, headers: basic("admin")).status == .accepted)
        }
    }

    @Test func anonymousUploadsAreNotLimitedAsOneAccount() async throws {
        // Without accounts every client would share one allowance, and one could use it up.
        try await withServer(options: RegistryRoutesOptions(maximumUploadsPerPrincipal: 2)) { client, _ in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<3 { statuses.append(try await client.execute(uri: "/v2/app/blobs/uploads/", method: .post).status) }
            #expect(statuses == [.accepted, .accepted, .accepted])
        }
    }

    @Test func requestsPastTheRateLimitGet429WithRetryAfter() async throws {
        // One request per hundred seconds: the first passes, the next ones (well within that,
        // however loaded the machine: a CI run with builds beside it took over ten) are refused.
        try await withServer(options: RegistryRoutesOptions(requestsPerSecond: 0.01)) { client, _ in
            #expect(try await client.execute(uri: "/v2/", method: .get).status == .ok)
            let limited = try await client.execute(uri: "/v2/", method: .get)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.errorCode == "TOOMANYREQUESTS")
            // The wait until the next token: up to a hundred seconds at this rate.
            #expect(limited.header("Retry-After").flatMap(Int.init).map { (1...100).contains($0) } == true)
        }
    }

    @Test func oversizedHeadersAreRefused() async throws {
        try await withServer { client, _ in
            let huge = String(repeating: "x", count: 200 * 1024)
            // Past the decoder's 80 KiB limit the server answers 400 and closes the connection,
            // often while the client is still writing: the client then sees the closed channel.
            // Either is a refusal; anything else (a success, another error) is not.
            do {
                let response = try await client.execute(uri: "/v2/", method: .get, headers: .named(["X-Filler": huge]))
                #expect(response.status == .badRequest)
            } catch let error as ChannelError {
                #expect(error == .ioOnClosedChannel)
            }
            // The server lives: a new connection is served.
            let port = try #require(client.port)
            let status = try await TestClient.withClient(host: "127.0.0.1", port: port) { fresh in try await fresh.get("/v2/").status }
            #expect(status == .ok)
        }
    }
}

@Suite struct ReviewRegressionTests {
    @Test func anExtremeContentRangeIsRefusedAndTheServerLives() async throws {
        try await withServer { client, _ in
            let start = try await client.execute(uri: "/v2/app/blobs/uploads/", method: .post)
            let location = try #require(start.header("Location"))
            let response = try await client.execute(uri: location, method: .patch,
                                                    headers: .named(["Content-Range": "0-9223372036854775807", "Content-Length": "3"]),
                                                    body: ByteBuffer(bytes: [1, 2, 3]))
            #expect(response.status == .rangeNotSatisfiable)
            #expect(try await client.execute(uri: "/v2/", method: .get).status == .ok)
        }
    }

    @Test func anEmptyArtifactTypeFilterIsNoFilter() async throws {
        try await withServer { client, _ in
            _ = try await pushBlob(client, "app", bytes(10))
            let response = try await client.execute(uri: "/v2/app/referrers/\(sha256([1]))?artifactType=", method: .get)
            #expect(response.status == .ok)
            #expect(response.header("OCI-Filters-Applied") == nil)
        }
    }

    @Test func anOverlongArtifactTypeIsManifestInvalid() async throws {
        try await withServer { client, _ in
            let long = "application/x;a=" + String(repeating: "b", count: 600)
            let image = try await pushImageBlobs(client, "app", seed: 50, artifactType: long)
            let put = try await putManifest(client, "app", image.digest.description, image.bytes)
            #expect(put.status == .badRequest)
            #expect(put.errorCode == "MANIFEST_INVALID")
        }
    }
}
