import BerthHTTP
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct ManifestEndpointTests {
    @Test func putThenGetAndHeadByTagAndDigest() async throws {
        try await withServer { client, _ in
            let image = try await pushImageBlobs(client, "app", seed: 1)
            let put = try await putManifest(client, "app", "v1", image.bytes)
            #expect(put.status == .created)
            #expect(put.header("Location") == "/v2/app/manifests/\(image.digest)")
            #expect(put.header("Docker-Content-Digest") == image.digest.description)
            #expect(put.header("OCI-Subject") == nil)
            for reference in ["v1", image.digest.description] {
                let get = try await client.execute(uri: "/v2/app/manifests/\(reference)", method: .get)
                #expect(get.status == .ok)
                #expect(Array(buffer: get.body) == image.bytes)
                #expect(get.headers[.contentType] == ociManifestType)
                #expect(get.header("Docker-Content-Digest") == image.digest.description)
                let head = try await client.execute(uri: "/v2/app/manifests/\(reference)", method: .head)
                #expect(head.status == .ok)
                #expect(head.headers[.contentLength] == "\(image.bytes.count)")
                #expect(head.header("Docker-Content-Digest") == image.digest.description)
            }
        }
    }

    @Test func manifestWithASubjectAnswersWithOCISubject() async throws {
        try await withServer { client, _ in
            let subject = try await pushImageBlobs(client, "app", seed: 2)
            let signature = try await pushImageBlobs(client, "app", seed: 3, artifactType: "application/vnd.example.sig",
                                                     subject: (subject.digest, subject.bytes.count))
            let put = try await putManifest(client, "app", signature.digest.description, signature.bytes)
            #expect(put.status == .created)
            #expect(put.header("OCI-Subject") == subject.digest.description)
        }
    }

    @Test func digestReferenceNotMatchingTheBodyIsDigestInvalid() async throws {
        try await withServer { client, _ in
            let image = try await pushImageBlobs(client, "app", seed: 4)
            let put = try await putManifest(client, "app", sha256([1]).description, image.bytes)
            #expect(put.status == .badRequest)
            #expect(put.errorCode == "DIGEST_INVALID")
        }
    }

    @Test func unknownReferencedBlobIsManifestBlobUnknown() async throws {
        try await withServer { client, _ in
            let image = try await pushImageBlobs(client, "app", seed: 5)
            let put = try await putManifest(client, "other", "v1", image.bytes)
            #expect(put.status == .badRequest)
            #expect(put.errorCode == "MANIFEST_BLOB_UNKNOWN")
        }
    }

    @Test func invalidManifestIsManifestInvalid() async throws {
        try await withServer { client, _ in
            let put = try await putManifest(client, "app", "v1", Array(#"{"schemaVersion":2,"layers":"nope"}"#.utf8))
            #expect(put.status == .badRequest)
            #expect(put.errorCode == "MANIFEST_INVALID")
        }
    }

    @Test func manifestOverFourMebibytesIs413() async throws {
        try await withServer { client, _ in
            let put = try await putManifest(client, "app", "v1", [UInt8](repeating: 0x20, count: 4 * 1024 * 1024 + 1))
            #expect(put.status == .contentTooLarge)
            #expect(put.errorCode == "SIZE_INVALID")
        }
    }

    @Test func unknownManifestIsManifestUnknown() async throws {
        try await withServer { client, _ in
            let get = try await client.execute(uri: "/v2/app/manifests/nope", method: .get)
            #expect(get.status == .notFound)
            #expect(get.errorCode == "MANIFEST_UNKNOWN")
        }
    }

    @Test func deleteByTagRemovesOnlyTheTag() async throws {
        try await withServer { client, _ in
            let image = try await pushImageBlobs(client, "app", seed: 6)
            _ = try await putManifest(client, "app", "v1", image.bytes)
            let delete = try await client.execute(uri: "/v2/app/manifests/v1", method: .delete)
            #expect(delete.status == .accepted)
            #expect(try await client.execute(uri: "/v2/app/manifests/v1", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/v2/app/manifests/\(image.digest)", method: .get).status == .ok)
        }
    }

    @Test func deleteByDigestRemovesTheManifestAndItsTags() async throws {
        try await withServer { client, _ in
            let image = try await pushImageBlobs(client, "app", seed: 7)
            _ = try await putManifest(client, "app", "v1", image.bytes)
            let delete = try await client.execute(uri: "/v2/app/manifests/\(image.digest)", method: .delete)
            #expect(delete.status == .accepted)
            #expect(try await client.execute(uri: "/v2/app/manifests/v1", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/v2/app/manifests/\(image.digest)", method: .get).status == .notFound)
        }
    }

    @Test func aReferenceThatIsNoValidTagNamesNoManifest() async throws {
        try await withServer { client, _ in
            for method in [HTTPRequest.Method.get, .head, .delete] {
                let response = try await client.execute(uri: "/v2/app/manifests/.INVALID_MANIFEST_NAME", method: method)
                #expect(response.status == .notFound, "\(method)")
            }
            let get = try await client.execute(uri: "/v2/app/manifests/.INVALID_MANIFEST_NAME", method: .get)
            #expect(get.errorCode == "MANIFEST_UNKNOWN")
            let malformedDigest = try await client.execute(uri: "/v2/app/manifests/sha256:nothex", method: .get)
            #expect(malformedDigest.status == .badRequest)
            #expect(malformedDigest.errorCode == "DIGEST_INVALID")
            let put = try await putManifest(client, "app", ".INVALID", Array("{}".utf8))
            #expect(put.status == .badRequest)
        }
    }

    @Test func anIndexNamingAMissingChildIsManifestBlobUnknown() async throws {
        try await withServer { client, _ in
            let missing = sha256([1, 2, 3])
            let index = Array(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(missing)","size":3}]}"#.utf8)
            let put = try await putManifest(client, "app", "multi", index, contentType: "application/vnd.oci.image.index.v1+json")
            #expect(put.status == .badRequest)
            #expect(put.errorCode == "MANIFEST_BLOB_UNKNOWN")
        }
    }

    @Test func tagParametersOnAPushByDigestTagTheManifest() async throws {
        try await withServer { client, _ in
            let image = try await pushImageBlobs(client, "app", seed: 40)
            let put = try await putManifest(client, "app", "\(image.digest)?tag=1.2.3&tag=1.2&tag=latest", image.bytes)
            #expect(put.status == .created)
            #expect(put.header("OCI-Tag") == "1.2.3, 1.2, latest")
            for tag in ["1.2.3", "1.2", "latest"] {
                let head = try await client.execute(uri: "/v2/app/manifests/\(tag)", method: .head)
                #expect(head.header("Docker-Content-Digest") == image.digest.description, "\(tag)")
            }
            let invalid = try await putManifest(client, "app", "\(image.digest)?tag=.bad", image.bytes)
            #expect(invalid.status == .badRequest)
        }
    }
}
