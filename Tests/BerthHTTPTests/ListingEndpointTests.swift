import BerthHTTP
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct ListingEndpointTests {
    @Test func tagsListPagesWithALinkHeader() async throws {
        try await withServer { client, _ in
            let image = try await pushImageBlobs(client, "app", seed: 1)
            for tag in ["c", "a", "B", "d"] { _ = try await putManifest(client, "app", tag, image.bytes) }
            let first = try await client.execute(uri: "/v2/app/tags/list?n=2", method: .get)
            #expect(first.json?["tags"] as? [String] == ["a", "B"])
            #expect(first.header("Link") == #"</v2/app/tags/list?n=2&last=B>; rel="next""#)
            let second = try await client.execute(uri: "/v2/app/tags/list?n=2&last=B", method: .get)
            #expect(second.json?["tags"] as? [String] == ["c", "d"])
            #expect(second.header("Link") == nil)
            let zero = try await client.execute(uri: "/v2/app/tags/list?n=0", method: .get)
            #expect(zero.json?["tags"] as? [String] == [])
        }
    }

    @Test func tagsOfAnUnknownRepositoryIsNameUnknown() async throws {
        try await withServer { client, _ in
            let response = try await client.execute(uri: "/v2/nothing/tags/list", method: .get)
            #expect(response.status == .notFound)
            #expect(response.errorCode == "NAME_UNKNOWN")
        }
    }

    @Test func catalogPagesWithALinkHeader() async throws {
        try await withServer { client, _ in
            for name in ["b", "a", "c/d"] { try await pushBlob(client, name, bytes(10)) }
            let first = try await client.execute(uri: "/v2/_catalog?n=2", method: .get)
            #expect(first.json?["repositories"] as? [String] == ["a", "b"])
            #expect(first.header("Link") == #"</v2/_catalog?n=2&last=b>; rel="next""#)
            let all = try await client.execute(uri: "/v2/_catalog", method: .get)
            #expect(all.json?["repositories"] as? [String] == ["a", "b", "c/d"])
        }
    }

    @Test func invalidPageSizeIsRejected() async throws {
        try await withServer { client, _ in
            let response = try await client.execute(uri: "/v2/_catalog?n=-1", method: .get)
            #expect(response.status == .badRequest)
        }
    }

    @Test func referrersOfAnUnknownDigestIsAnEmptyIndex() async throws {
        try await withServer { client, _ in
            let response = try await client.execute(uri: "/v2/app/referrers/\(sha256([1]))", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/vnd.oci.image.index.v1+json")
            #expect(response.json?["schemaVersion"] as? Int == 2)
            #expect((response.json?["manifests"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func referrersWithMalformedDigestIs400() async throws {
        try await withServer { client, _ in
            let response = try await client.execute(uri: "/v2/app/referrers/sha256:nothex", method: .get)
            #expect(response.status == .badRequest)
            #expect(response.errorCode == "DIGEST_INVALID")
        }
    }

    @Test func referrersListsAndFiltersByArtifactType() async throws {
        try await withServer { client, _ in
            let subject = try await pushImageBlobs(client, "app", seed: 10)
            _ = try await putManifest(client, "app", "v1", subject.bytes)
            var signatures: [String] = []
            for (seed, type) in [(11, "application/vnd.example.sig"), (12, "application/spdx+json"), (13, "application/vnd.example.sig")] {
                let referrer = try await pushImageBlobs(client, "app", seed: UInt8(seed), artifactType: type,
                                                        subject: (subject.digest, subject.bytes.count))
                _ = try await putManifest(client, "app", referrer.digest.description, referrer.bytes)
                if type == "application/vnd.example.sig" { signatures.append(referrer.digest.description) }
            }
            let all = try await client.execute(uri: "/v2/app/referrers/\(subject.digest)", method: .get)
            #expect((all.json?["manifests"] as? [[String: Any]])?.count == 3)
            #expect(all.header("OCI-Filters-Applied") == nil)
            let filtered = try await client.execute(uri: "/v2/app/referrers/\(subject.digest)?artifactType=application/vnd.example.sig", method: .get)
            let manifests = try #require(filtered.json?["manifests"] as? [[String: Any]])
            #expect(Set(manifests.compactMap { $0["digest"] as? String }) == Set(signatures))
            #expect(manifests.allSatisfy { $0["artifactType"] as? String == "application/vnd.example.sig" })
            #expect(filtered.header("OCI-Filters-Applied") == "artifactType")
        }
    }

    @Test func longReferrerListsPageWithALinkHeader() async throws {
        try await withServer(options: RegistryRoutesOptions(referrersPageSize: 2)) { client, _ in
            let subject = sha256([42])
            for seed in 20..<25 {
                let referrer = try await pushImageBlobs(client, "app", seed: UInt8(seed), artifactType: "application/vnd.example.sig",
                                                        subject: (subject, 10))
                _ = try await putManifest(client, "app", referrer.digest.description, referrer.bytes)
            }
            var seen: [String] = []
            var uri: String? = "/v2/app/referrers/\(subject)"
            while let next = uri {
                let page = try await client.execute(uri: next, method: .get)
                seen += (page.json?["manifests"] as? [[String: Any]] ?? []).compactMap { $0["digest"] as? String }
                uri = page.header("Link").flatMap { link in
                    link.split(separator: ";").first.map { String($0.dropFirst().dropLast()) }
                }
            }
            #expect(seen.count == 5)
            #expect(Set(seen).count == 5)
        }
    }
}
