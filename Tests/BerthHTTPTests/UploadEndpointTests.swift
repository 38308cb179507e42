import BerthHTTP
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct UploadEndpointTests {
    private func start(_ client: any TestClientProtocol, _ name: String = "app") async throws -> String {
        let response = try await client.execute(uri: "/v2/\(name)/blobs/uploads/", method: .post)
        #expect(response.status == .accepted)
        #expect(response.header("Range") == "0-0")
        let location = try #require(response.header("Location"))
        let id = try #require(response.header("Docker-Upload-UUID"))
        #expect(location == "/v2/\(name)/blobs/uploads/\(id)")
        return location
    }

    @Test func chunkedUploadWithContentRangeThenPut() async throws {
        try await withServer { client, _ in
            let content = bytes(30_000)
            let location = try await start(client)
            let first = try await client.execute(uri: location, method: .patch,
                                                 headers: .named(["Content-Range": "0-9999", "Content-Length": "10000", "Content-Type": "application/octet-stream"]),
                                                 body: ByteBuffer(bytes: content[0..<10_000]))
            #expect(first.status == .accepted)
            #expect(first.header("Range") == "0-9999")
            let second = try await client.execute(uri: location, method: .patch,
                                                  headers: .named(["Content-Range": "10000-19999", "Content-Length": "10000"]),
                                                  body: ByteBuffer(bytes: content[10_000..<20_000]))
            #expect(second.header("Range") == "0-19999")
            let status = try await client.execute(uri: location, method: .get)
            #expect(status.status == .noContent)
            #expect(status.header("Range") == "0-19999")
            let digest = sha256(content)
            let put = try await client.execute(uri: "\(location)?digest=\(digest)", method: .put,
                                               headers: .named(["Content-Length": "10000", "Content-Range": "20000-29999"]),
                                               body: ByteBuffer(bytes: content[20_000...]))
            #expect(put.status == .created)
            #expect(put.header("Location") == "/v2/app/blobs/\(digest)")
            let get = try await client.execute(uri: "/v2/app/blobs/\(digest)", method: .get)
            #expect(Array(buffer: get.body) == content)
        }
    }

    @Test func streamedPatchWithoutContentRangeAppends() async throws {
        try await withServer { client, _ in
            let content = bytes(5000)
            let location = try await start(client)
            let patch = try await client.execute(uri: location, method: .patch, body: ByteBuffer(bytes: content))
            #expect(patch.header("Range") == "0-4999")
            let put = try await client.execute(uri: "\(location)?digest=\(sha256(content))", method: .put)
            #expect(put.status == .created)
        }
    }

    @Test func chunkAtTheWrongOffsetIs416AndTheUploadStaysUsable() async throws {
        try await withServer { client, _ in
            let content = bytes(200)
            let location = try await start(client)
            _ = try await client.execute(uri: location, method: .patch, headers: .named(["Content-Range": "0-99"]),
                                         body: ByteBuffer(bytes: content[0..<100]))
            let wrong = try await client.execute(uri: location, method: .patch, headers: .named(["Content-Range": "50-149"]),
                                                 body: ByteBuffer(bytes: content[50..<150]))
            #expect(wrong.status == .rangeNotSatisfiable)
            #expect(wrong.errorCode == "BLOB_UPLOAD_INVALID")
            #expect(wrong.header("Range") == "0-99")
            let right = try await client.execute(uri: location, method: .patch, headers: .named(["Content-Range": "100-199"]),
                                                 body: ByteBuffer(bytes: content[100...]))
            #expect(right.status == .accepted)
            let put = try await client.execute(uri: "\(location)?digest=\(sha256(content))", method: .put)
            #expect(put.status == .created)
        }
    }

    @Test func putWithTheWrongDigestIsDigestInvalid() async throws {
        try await withServer { client, _ in
            let location = try await start(client)
            _ = try await client.execute(uri: location, method: .patch, body: ByteBuffer(bytes: [1, 2, 3]))
            let put = try await client.execute(uri: "\(location)?digest=\(sha256([4]))", method: .put)
            #expect(put.status == .badRequest)
            #expect(put.errorCode == "DIGEST_INVALID")
        }
    }

    @Test func putWithoutADigestIsDigestInvalid() async throws {
        try await withServer { client, _ in
            let location = try await start(client)
            let put = try await client.execute(uri: location, method: .put)
            #expect(put.status == .badRequest)
            #expect(put.errorCode == "DIGEST_INVALID")
        }
    }

    @Test func cancelledUploadIsGone() async throws {
        try await withServer { client, _ in
            let location = try await start(client)
            let delete = try await client.execute(uri: location, method: .delete)
            #expect(delete.status == .noContent)
            let status = try await client.execute(uri: location, method: .get)
            #expect(status.status == .notFound)
            #expect(status.errorCode == "BLOB_UPLOAD_UNKNOWN")
        }
    }

    @Test func unknownOrMalformedUploadIdIsBlobUploadUnknown() async throws {
        try await withServer { client, _ in
            for id in ["0123456789abcdef0123456789abcdef", "not-an-id"] {
                let response = try await client.execute(uri: "/v2/app/blobs/uploads/\(id)", method: .get)
                #expect(response.status == .notFound)
                #expect(response.errorCode == "BLOB_UPLOAD_UNKNOWN")
            }
        }
    }

    @Test func crossRepositoryMountCreatesTheBlob() async throws {
        try await withServer { client, _ in
            let digest = try await pushBlob(client, "source", bytes(500))
            let mount = try await client.execute(uri: "/v2/target/blobs/uploads/?mount=\(digest)&from=source", method: .post)
            #expect(mount.status == .created)
            #expect(mount.header("Location") == "/v2/target/blobs/\(digest)")
            let head = try await client.execute(uri: "/v2/target/blobs/\(digest)", method: .head)
            #expect(head.status == .ok)
        }
    }

    @Test func mountFromARepositoryWithoutTheBlobStartsAnUpload() async throws {
        try await withServer { client, _ in
            let digest = sha256(bytes(10))
            let mount = try await client.execute(uri: "/v2/target/blobs/uploads/?mount=\(digest)&from=elsewhere", method: .post)
            #expect(mount.status == .accepted)
            #expect(mount.header("Docker-Upload-UUID") != nil)
        }
    }

    @Test func externalURLIsUsedInLocationHeaders() async throws {
        try await withServer(options: RegistryRoutesOptions(externalURL: "https://registry.example.com/")) { client, _ in
            let response = try await client.execute(uri: "/v2/app/blobs/uploads/", method: .post)
            #expect(response.header("Location")?.hasPrefix("https://registry.example.com/v2/app/blobs/uploads/") == true)
        }
    }

    @Test func forwardedHeadersFromATrustedProxyBuildTheLocation() async throws {
        try await withServer(options: RegistryRoutesOptions(trustForwardedHeaders: true)) { client, _ in
            let response = try await client.execute(uri: "/v2/app/blobs/uploads/", method: .post,
                                                    headers: .named(["X-Forwarded-Proto": "https", "X-Forwarded-Host": "registry.example.com"]))
            #expect(response.header("Location")?.hasPrefix("https://registry.example.com/v2/app/blobs/uploads/") == true)
        }
    }

    @Test func forwardedHeadersListingSeveralValuesUseTheFirst() async throws {
        try await withServer(options: RegistryRoutesOptions(trustForwardedHeaders: true)) { client, _ in
            let response = try await client.execute(uri: "/v2/app/blobs/uploads/", method: .post,
                                                    headers: .named(["X-Forwarded-Proto": "https, http",
                                                                     "X-Forwarded-Host": "registry.example.com, internal.lan:5000"]))
            #expect(response.header("Location")?.hasPrefix("https://registry.example.com/v2/app/blobs/uploads/") == true)
        }
    }

    @Test func repeatedForwardedHeaderFieldsUseTheFirst() async throws {
        try await withServer(options: RegistryRoutesOptions(trustForwardedHeaders: true)) { client, _ in
            let host = try #require(HTTPField.Name("X-Forwarded-Host"))
            let proto = try #require(HTTPField.Name("X-Forwarded-Proto"))
            var headers = HTTPFields()
            headers.append(HTTPField(name: proto, value: "https"))
            headers.append(HTTPField(name: proto, value: "http"))
            headers.append(HTTPField(name: host, value: "registry.example.com"))
            headers.append(HTTPField(name: host, value: "internal.lan:5000"))
            let response = try await client.execute(uri: "/v2/app/blobs/uploads/", method: .post, headers: headers)
            #expect(response.header("Location")?.hasPrefix("https://registry.example.com/v2/app/blobs/uploads/") == true)
        }
    }

    @Test func aForwardedSchemeOtherThanHTTPOrHTTPSIsIgnored() async throws {
        try await withServer(options: RegistryRoutesOptions(trustForwardedHeaders: true)) { client, _ in
            let response = try await client.execute(uri: "/v2/app/blobs/uploads/", method: .post,
                                                    headers: .named(["X-Forwarded-Proto": "javascript", "X-Forwarded-Host": "registry.example.com"]))
            #expect(response.header("Location")?.hasPrefix("http://registry.example.com/v2/app/blobs/uploads/") == true)
        }
    }

    @Test func aForwardedHostThatIsNoPlainHostIsIgnored() async throws {
        try await withServer(options: RegistryRoutesOptions(trustForwardedHeaders: true)) { client, _ in
            let response = try await client.execute(uri: "/v2/app/blobs/uploads/", method: .post,
                                                    headers: .named(["X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example.com/steal?x="]))
            let location = try #require(response.header("Location"))
            #expect(!location.contains("evil.example.com"))
            #expect(location.contains("/v2/app/blobs/uploads/"))
        }
    }

    @Test func forwardedHeadersAreIgnoredUnlessTrusted() async throws {
        try await withServer { client, _ in
            let response = try await client.execute(uri: "/v2/app/blobs/uploads/", method: .post,
                                                    headers: .named(["X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example.com"]))
            #expect(response.header("Location")?.hasPrefix("/v2/app/blobs/uploads/") == true)
        }
    }
}
