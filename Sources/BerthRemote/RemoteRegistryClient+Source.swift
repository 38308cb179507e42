import AsyncHTTPClient
import BerthEngine
import BerthModel
import Foundation
import NIOCore
import NIOHTTP1

/// The endpoint as the source of a pull rule: the catalog, tags, manifests, accessories
/// (through the referrers API where the endpoint has it, else the referrers tag schema, and
/// cosign's tag scheme), and blobs streamed from any offset.
extension RemoteRegistryClient: ReplicationSource {
    public func repositories() async throws -> [RepositoryName] {
        var names: [RepositoryName] = []
        var next: String? = "/v2/_catalog?n=1000"
        while let path = next {
            var response = try await send(.GET, path, access: .catalog)
            try await expect(&response, [200], "GET \(path)")
            struct Catalog: Decodable { let repositories: [String]? }
            let body = try await response.body.collect(upTo: 16 << 20)
            let page = try JSONDecoder().decode(Catalog.self, from: Data(body.readableBytesView))
            names += (page.repositories ?? []).compactMap { try? RepositoryName(parsing: $0) }
            next = Self.nextLink(response.headers)
        }
        return names
    }

    public func taggedManifests(in repository: RepositoryName) async throws -> [(tag: Tag, digest: Digest)] {
        var tags: [Tag] = []
        var next: String? = Self.path(repository, "tags/list?n=1000")
        while let path = next {
            var response = try await send(.GET, path, access: .pull(repository))
            if response.status == .notFound { return [] }
            try await expect(&response, [200], "GET \(path)")
            struct TagList: Decodable { let tags: [String]? }
            let body = try await response.body.collect(upTo: 16 << 20)
            tags += (try JSONDecoder().decode(TagList.self, from: Data(body.readableBytesView)).tags ?? []).compactMap { try? Tag(parsing: $0) }
            next = Self.nextLink(response.headers)
        }
        var tagged: [(tag: Tag, digest: Digest)] = []
        for tag in tags {
            if let digest = try await manifestDigest(.tag(tag), in: repository) { tagged.append((tag, digest)) }
        }
        return tagged
    }

    public func manifest(_ digest: Digest, in repository: RepositoryName) async throws -> ReplicatedManifest? {
        try await manifest(.digest(digest), in: repository)
    }

    public func accessories(of subject: Digest, in repository: RepositoryName) async throws -> [ReplicatedAccessory] {
        var found: [ReplicatedAccessory] = []
        var seen = Set<Digest>()
        for descriptor in try await referrers(of: subject, in: repository) where seen.insert(descriptor.digest).inserted {
            found.append(ReplicatedAccessory(digest: descriptor.digest, tags: []))
        }
        // cosign's tag scheme: `sha256-<hex>.sig`, `.att`, `.sbom` name manifests of the subject.
        if subject.algorithm == .sha256 {
            for suffix in ["sig", "att", "sbom"] {
                guard let tag = try? Tag(parsing: "sha256-\(subject.encoded).\(suffix)"),
                      let digest = try await manifestDigest(.tag(tag), in: repository) else { continue }
                if seen.insert(digest).inserted {
                    found.append(ReplicatedAccessory(digest: digest, tags: [tag]))
                } else if let position = found.firstIndex(where: { $0.digest == digest }) {
                    found[position] = ReplicatedAccessory(digest: digest, tags: found[position].tags + [tag])
                }
            }
        }
        return found
    }

    /// The referrers of a subject: the referrers API's answer, or where the endpoint has no
    /// such API, the index under the referrers tag schema's tag (none: no referrers).
    func referrers(of subject: Digest, in repository: RepositoryName) async throws -> [Descriptor] {
        if try await servesReferrersAPI(in: repository) {
            var found: [Descriptor] = []
            var next: String? = Self.path(repository, "referrers/\(subject)")
            while let path = next {
                var response = try await send(.GET, path, access: .pull(repository), headers: [("Accept", MediaType.ociImageIndex.rawValue)])
                try await expect(&response, [200], "GET \(path)")
                let body = try await response.body.collect(upTo: 4 << 20)
                let index = try ReferrersTagSchema.index(parsing: Array(buffer: body), contentType: MediaType.ociImageIndex.rawValue)
                found += index.manifests
                next = Self.nextLink(response.headers)
            }
            return found
        }
        guard let held = try await manifest(.tag(ReferrersTagSchema.tag(for: subject)), in: repository) else { return [] }
        return try ReferrersTagSchema.index(parsing: held.bytes, contentType: held.mediaType).manifests
    }

    public func blob(_ digest: Digest, size: Int64, from offset: Int64, in repository: RepositoryName) async throws -> ReplicatedBytes {
        let path = Self.path(repository, "blobs/\(digest)")
        var headers: [(String, String)] = []
        if offset > 0 { headers.append(("Range", "bytes=\(offset)-")) }
        var response = try await send(.GET, path, access: .pull(repository), headers: headers, timeout: .hours(24))
        try await expect(&response, offset > 0 ? [206] : [200, 206], "GET \(path)")
        let iterator = BodyIterator(response.body.makeAsyncIterator())
        return ReplicatedBytes(unfolding: { try await iterator.next() })
    }

    /// The `rel="next"` target of a `Link` header (paged listings), or nil.
    static func nextLink(_ headers: HTTPHeaders) -> String? {
        guard let link = headers.first(name: "Link"), link.contains("rel=\"next\""),
              let open = link.firstIndex(of: "<"), let close = link.firstIndex(of: ">"), open < close else { return nil }
        return String(link[link.index(after: open)..<close])
    }
}

/// A response body's iterator, pulled by one consumer at a time (the blob's stream).
private final class BodyIterator: @unchecked Sendable {
    // @unchecked: `ReplicatedBytes(unfolding:)` calls `next` serially, never concurrently.
    private var iterator: HTTPClientResponse.Body.AsyncIterator
    init(_ iterator: HTTPClientResponse.Body.AsyncIterator) { self.iterator = iterator }
    func next() async throws -> ByteBuffer? { try await iterator.next() }
}
