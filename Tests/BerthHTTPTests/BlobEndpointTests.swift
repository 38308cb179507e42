import Foundation
import BerthHTTP
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct BlobEndpointTests {
    @Test func monolithicPushThenGetAndHead() async throws {
        try await withServer { client, _ in
            let content = bytes(70_000)
            let digest = sha256(content)
            let post = try await client.execute(uri: "/v2/app/blobs/uploads/?digest=\(digest)", method: .post,
                                                headers: .named(["Content-Length": "\(content.count)"]), body: ByteBuffer(bytes: content))
            #expect(post.status == .created)
            #expect(post.header("Location") == "/v2/app/blobs/\(digest)")
            #expect(post.header("Docker-Content-Digest") == digest.description)

            let get = try await client.execute(uri: "/v2/app/blobs/\(digest)", method: .get)
            #expect(get.status == .ok)
            #expect(Array(buffer: get.body) == content)
            #expect(get.header("Docker-Content-Digest") == digest.description)
            #expect(get.headers[.contentLength] == "70000")

            let head = try await client.execute(uri: "/v2/app/blobs/\(digest)", method: .head)
            #expect(head.status == .ok)
            #expect(head.headers[.contentLength] == "70000")
            #expect(head.body.readableBytes == 0)
        }
    }

    @Test func rangeRequestGetsPartialContent() async throws {
        try await withServer { client, _ in
            let content = bytes(10_000)
            let digest = try await pushBlob(client, "app", content)
            let response = try await client.execute(uri: "/v2/app/blobs/\(digest)", method: .get, headers: [.range: "bytes=100-199"])
            #expect(response.status == .partialContent)
            #expect(Array(buffer: response.body) == Array(content[100...199]))
            #expect(response.headers[.contentRange] == "bytes 100-199/10000")
            let suffix = try await client.execute(uri: "/v2/app/blobs/\(digest)", method: .get, headers: [.range: "bytes=-10"])
            #expect(Array(buffer: suffix.body) == Array(content[9990...]))
        }
    }

    @Test func unsatisfiableRangeIs416() async throws {
        try await withServer { client, _ in
            let digest = try await pushBlob(client, "app", bytes(100))
            let response = try await client.execute(uri: "/v2/app/blobs/\(digest)", method: .get, headers: [.range: "bytes=500-600"])
            #expect(response.status == .rangeNotSatisfiable)
            #expect(response.headers[.contentRange] == "bytes */100")
        }
    }

    @Test func unknownBlobIsBlobUnknown() async throws {
        try await withServer { client, _ in
            let digest = sha256([1, 2, 3])
            let response = try await client.execute(uri: "/v2/app/blobs/\(digest)", method: .get)
            #expect(response.status == .notFound)
            #expect(response.errorCode == "BLOB_UNKNOWN")
        }
    }

    @Test func malformedDigestIsDigestInvalid() async throws {
        try await withServer { client, _ in
            let response = try await client.execute(uri: "/v2/app/blobs/sha256:XYZ", method: .get)
            #expect(response.status == .badRequest)
            #expect(response.errorCode == "DIGEST_INVALID")
        }
    }

    @Test func monolithicPushWithTheWrongDigestIsDigestInvalid() async throws {
        try await withServer { client, _ in
            let wrong = sha256([9])
            let response = try await client.execute(uri: "/v2/app/blobs/uploads/?digest=\(wrong)", method: .post,
                                                    headers: .named(["Content-Length": "3"]), body: ByteBuffer(bytes: [1, 2, 3]))
            #expect(response.status == .badRequest)
            #expect(response.errorCode == "DIGEST_INVALID")
            let get = try await client.execute(uri: "/v2/app/blobs/\(wrong)", method: .head)
            #expect(get.status == .notFound)
        }
    }

    @Test func deleteUnlinksTheBlobFromTheRepository() async throws {
        try await withServer { client, _ in
            let digest = try await pushBlob(client, "app", bytes(100))
            let delete = try await client.execute(uri: "/v2/app/blobs/\(digest)", method: .delete)
            #expect(delete.status == .accepted)
            let get = try await client.execute(uri: "/v2/app/blobs/\(digest)", method: .get)
            #expect(get.errorCode == "BLOB_UNKNOWN")
        }
    }

    @Test func blobIsNotReadableThroughAnotherRepository() async throws {
        try await withServer { client, _ in
            let digest = try await pushBlob(client, "a", bytes(100))
            let response = try await client.execute(uri: "/v2/b/blobs/\(digest)", method: .get)
            #expect(response.status == .notFound)
        }
    }

    @Test func aFailureInsideTheServerNeverShowsInternalPaths() async throws {
        try await withServer { client, registry in
            let content = bytes(100)
            let digest = try await pushBlob(client, "app", content)
            // Damage the store: the blob's file becomes a directory, so reading it fails.
            let path = registry.layout.blobFile(digest)
            try FileManager.default.removeItem(atPath: path)
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            let response = try await client.execute(uri: "/v2/app/blobs/\(digest)", method: .get)
            #expect(response.status == .internalServerError)
            #expect(response.errorCode == "UNKNOWN")
            let body = String(buffer: response.body)
            #expect(!body.contains(registry.layout.root))
            #expect(!body.contains("/blobs/"))
        }
    }
}
