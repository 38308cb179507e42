import BerthEngine
@testable import BerthHTTP
import BerthModel
import Foundation
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

    @Test func withoutNEveryTagStreamsInOrderPastTheMaximumPageSizeAndAcrossBatches() async throws {
        try await withServer(options: RegistryRoutesOptions(maximumPageSize: 10)) { client, registry in
            let image = try await pushImageBlobs(client, "many", seed: 2)
            let names = (0..<4200).map { String(format: "t%05d", $0) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for slice in stride(from: 0, to: names.count, by: 150) {
                    group.addTask {
                        for tag in names[slice..<min(slice + 150, names.count)] {
                            _ = try await registry.putManifest(image.bytes, contentType: ociManifestType, in: RepositoryName(parsing: "many"),
                                                               reference: .tag(Tag(parsing: tag)))
                        }
                    }
                }
                try await group.waitForAll()
            }
            let all = try await client.execute(uri: "/v2/many/tags/list", method: .get)
            #expect(all.status == .ok)
            #expect(all.json?["name"] as? String == "many")
            #expect(all.json?["tags"] as? [String] == names)
            #expect(all.header("Link") == nil)
            let rest = try await client.execute(uri: "/v2/many/tags/list?last=t04100", method: .get)
            #expect(rest.json?["tags"] as? [String] == Array(names[4101...]))
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

    @Test func theCatalogWritesSlashesInNamesAsThemselves() async throws {
        // Valid JSON either way, but other registries (and people reading it) write `/`.
        try await withServer { client, _ in
            try await pushBlob(client, "demo/app", bytes(10))
            let response = try await client.execute(uri: "/v2/_catalog", method: .get)
            let text = String(buffer: response.body)
            #expect(text.contains(#""demo/app""#), "\(text)")
            #expect(!text.contains(#"\/"#))
        }
    }

    @Test func aCatalogPageOfZeroHasNoLinkToFollow() async throws {
        // A Link would name the same request again: a client following Links would never stop.
        try await withAuthServer { client, _, _ in
            try await pushBlob(client, "team/app", bytes(10), headers: basic("alice"))
            for headers in [HTTPFields(), basic("alice")] {
                let response = try await client.execute(uri: "/v2/_catalog?n=0", method: .get, headers: headers)
                #expect(response.status == .ok)
                #expect(response.header("Link") == nil)
            }
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

    /// Follows `Link` headers from `uri`; returns every referrer digest seen, in order.
    private func followReferrers(_ client: any TestClientProtocol, from uri: String,
                                 between: (Int) async throws -> Void = { _ in }) async throws -> [String] {
        var seen: [String] = []
        var next: String? = uri
        var pages = 0
        while let current = next {
            let page = try await client.execute(uri: current, method: .get)
            seen += (page.json?["manifests"] as? [[String: Any]] ?? []).compactMap { $0["digest"] as? String }
            next = page.header("Link").flatMap { link in link.split(separator: ";").first.map { String($0.dropFirst().dropLast()) } }
            pages += 1
            try await between(pages)
        }
        return seen
    }

    /// Five referrers of one subject under three artifact types (one without any), pushed by digest.
    private func pushMixedReferrers(_ client: any TestClientProtocol, subject: Digest) async throws -> [String] {
        var digests: [String] = []
        for (seed, type) in zip(30..<35, ["application/vnd.example.sig", nil, "application/vnd.example.sbom", "application/vnd.example.sig", nil]) {
            let referrer = try await pushImageBlobs(client, "app", seed: UInt8(seed), artifactType: type, subject: (subject, 10))
            _ = try await putManifest(client, "app", referrer.digest.description, referrer.bytes)
            digests.append(referrer.digest.description)
        }
        return digests
    }

    @Test func referrerPagesAcrossArtifactTypesListEachReferrerOnce() async throws {
        try await withServer(options: RegistryRoutesOptions(referrersPageSize: 2)) { client, _ in
            let subject = sha256([43])
            let digests = try await pushMixedReferrers(client, subject: subject)
            let seen = try await followReferrers(client, from: "/v2/app/referrers/\(subject)")
            #expect(seen.count == 5)
            #expect(Set(seen) == Set(digests))
        }
    }

    @Test func aReferrerDeletedBetweenPagesNeitherRestartsNorSkipsTheListing() async throws {
        try await withServer(options: RegistryRoutesOptions(referrersPageSize: 2)) { client, _ in
            let subject = sha256([44])
            let digests = try await pushMixedReferrers(client, subject: subject)
            let whole = try await followReferrers(client, from: "/v2/app/referrers/\(subject)")
            // Delete the last referrer of the first page once that page has been read.
            let seen = try await followReferrers(client, from: "/v2/app/referrers/\(subject)") { pages in
                if pages == 1 {
                    let deleted = try await client.execute(uri: "/v2/app/manifests/\(whole[1])", method: .delete)
                    #expect(deleted.status == .accepted)
                }
            }
            // The deleted referrer was read on page 1; the listing goes on right after it.
            #expect(seen == whole)
            #expect(Set(digests) == Set(whole))
        }
    }

    @Test func aLastReferrerAClientNamesAloneResumesAfterIt() async throws {
        try await withServer { client, _ in
            let subject = sha256([45])
            _ = try await pushMixedReferrers(client, subject: subject)
            let whole = try await followReferrers(client, from: "/v2/app/referrers/\(subject)")
            let rest = try await followReferrers(client, from: "/v2/app/referrers/\(subject)?last=\(whole[2])")
            #expect(rest == Array(whole[3...]))
        }
    }
}

@Suite struct ReferrersIndexEncodingTests {
    private func json(_ data: Data) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: data) as? NSDictionary)
    }

    @Test func theHandWrittenIndexIsWhatJSONEncoderWritesForAnyAnnotationText() throws {
        let tricky = "quote \" backslash \\ slash / newline \n tab \t bell \u{07} nul \u{00} é 🚀"
        let descriptors = [
            Descriptor(mediaType: .ociImageManifest, digest: sha256([1]), size: 12,
                       annotations: [tricky: tricky, "org.opencontainers.image.created": "2026-11-25T10:00:00Z", "a": ""],
                       artifactType: MediaType(rawValue: "application/vnd.example.sig")),
            Descriptor(mediaType: .ociImageManifest, digest: sha256([2]), size: 0),
        ]
        let index = ReferrersIndex(manifests: descriptors)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(try json(index.encoded()) == json(encoder.encode(index)))
    }

    @Test func anEmptyPageIsAnEmptyIndex() throws {
        let text = String(decoding: try ReferrersIndex(manifests: []).encoded(), as: UTF8.self)
        #expect(text == #"{"manifests":[],"mediaType":"application/vnd.oci.image.index.v1+json","schemaVersion":2}"#)
    }
}
