import AsyncHTTPClient
import BerthEngine
import BerthModel
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// The endpoint as the destination of a push rule: existence checks by `HEAD`, blobs pushed
/// whole (one `POST` and one streamed `PUT`) or, past the chunk size, in chunks whose upload
/// resumes from where the endpoint stands when one is cut, and manifests `PUT` by tag or digest.
extension RemoteRegistryClient: ReplicationDestination {
    public func servesReferrersAPI(in repository: RepositoryName) async throws -> Bool {
        if let known = referrersSupport.withLock({ $0[repository.value] }) { return known }
        // The spec: a registry with the API answers 200 and an image index for any digest,
        // one without it 404 for the path.
        let probe = try Digest(algorithm: .sha256, encoded: String(repeating: "0", count: 64))
        var response = try await send(.GET, Self.path(repository, "referrers/\(probe)"), access: .pull(repository),
                                      headers: [("Accept", MediaType.ociImageIndex.rawValue)])
        var serves = false
        if response.status == .ok {
            let body = try await response.body.collect(upTo: 1 << 20)
            serves = (try? ReferrersTagSchema.index(parsing: Array(buffer: body), contentType: MediaType.ociImageIndex.rawValue)) != nil
        } else if response.status == .notFound {
            // The spec's answer of a registry without the API.
            _ = try? await response.body.collect(upTo: 64 << 10)
        } else {
            // Anything else (a 500, a 429) says nothing about the API: fail, and ask again next time.
            try await expect(&response, [200, 404], "GET \(Self.path(repository, "referrers/\(probe)"))")
        }
        referrersSupport.withLock { $0[repository.value] = serves }
        return serves
    }

    public func manifestDigest(_ reference: Reference, in repository: RepositoryName) async throws -> Digest? {
        let path = Self.path(repository, "manifests/\(reference)")
        var response = try await send(.HEAD, path, access: .pull(repository), headers: [("Accept", Self.manifestAccept)])
        if response.status == .notFound { return nil }
        try await expect(&response, [200], "HEAD \(path)")
        if let header = response.headers.first(name: "Docker-Content-Digest"), let digest = try? Digest(parsing: header) { return digest }
        // A registry that does not say: the digest of the bytes it serves.
        return try await manifest(reference, in: repository)?.digest
    }

    public func manifest(_ reference: Reference, in repository: RepositoryName) async throws -> ReplicatedManifest? {
        let path = Self.path(repository, "manifests/\(reference)")
        var response = try await send(.GET, path, access: .pull(repository), headers: [("Accept", Self.manifestAccept)])
        if response.status == .notFound { return nil }
        try await expect(&response, [200], "GET \(path)")
        let bytes = Array(buffer: try await response.body.collect(upTo: Manifest.maximumSize))
        let expected: Digest? = if case .digest(let named) = reference { named } else { nil }
        let digest = try ContentHasher.digest(of: bytes, using: expected?.algorithm ?? .sha256)
        if let expected, expected != digest {
            throw ReplicationFailure.destination("GET \(path): \(endpoint.name) served bytes of digest \(digest)")
        }
        let mediaType = (try? Manifest(parsing: bytes, contentType: nil))?.mediaType.rawValue
            ?? response.headers.first(name: "Content-Type") ?? MediaType.ociImageManifest.rawValue
        return ReplicatedManifest(digest: digest, mediaType: mediaType, bytes: bytes)
    }

    public func hasBlob(_ digest: Digest, in repository: RepositoryName) async throws -> Bool {
        let path = Self.path(repository, "blobs/\(digest)")
        var response = try await send(.HEAD, path, access: .pull(repository))
        if response.status == .notFound { return false }
        try await expect(&response, [200], "HEAD \(path)")
        blobHomes.withLock { $0[digest] = repository.value }
        return true
    }

    public func putBlob(_ digest: Digest, size: Int64, in repository: RepositoryName,
                        bytes: @escaping @Sendable (Int64) async throws -> ReplicatedBytes) async throws {
        if let location = try await mountOrStartUpload(digest, in: repository) {
            try await upload(digest, size: size, at: location, in: repository, bytes: bytes)
        }
        blobHomes.withLock { $0[digest] = repository.value }
    }

    /// Sends the blob's bytes into the upload at `location`: whole, or in chunks that resume
    /// from where the endpoint stands when one is cut.
    private func upload(_ digest: Digest, size: Int64, at start: String, in repository: RepositoryName,
                        bytes: @escaping @Sendable (Int64) async throws -> ReplicatedBytes) async throws {
        var location = start
        var offset: Int64 = 0
        var resumes = 0
        while offset < size || (size == 0 && offset == 0 && resumes == 0) {
            if size <= chunkSize {
                // Whole, in one streamed request.
                try await finishUpload(location, digest: digest, body: .stream(Self.limited(try await bytes(0), to: size), length: .known(size)), size: size, in: repository)
                return
            }
            let length = min(chunkSize, size - offset)
            do {
                location = try await patch(location, from: offset, length: length, body: try await bytes(offset), in: repository)
                offset += length
            } catch let failure as ReplicationFailure {
                // Cut half-way: ask the endpoint where the upload stands and go on from there;
                // an upload it no longer knows starts again.
                resumes += 1
                guard resumes <= 3 else { throw failure }
                if let (stands, next) = try? await uploadOffset(location, in: repository) {
                    offset = stands
                    location = next
                } else {
                    location = try await startUpload(in: repository)
                    offset = 0
                }
            }
        }
        try await finishUpload(location, digest: digest, body: nil, size: 0, in: repository)
    }

    public func putManifest(_ manifest: ReplicatedManifest, as reference: Reference, in repository: RepositoryName) async throws {
        let path = Self.path(repository, "manifests/\(reference)")
        let bytes = manifest.bytes
        var response = try await send(.PUT, path, access: .push(repository), headers: [("Content-Type", manifest.mediaType)],
                                      body: { .bytes(ByteBuffer(bytes: bytes)) })
        try await expect(&response, [200, 201, 202], "PUT \(path)")
        _ = try? await response.body.collect(upTo: 64 << 10)
    }

    public func deleteManifest(_ digest: Digest, in repository: RepositoryName) async throws -> Bool {
        try await delete(.digest(digest), in: repository)
    }

    public func deleteTag(_ tag: Tag, in repository: RepositoryName) async throws -> Bool {
        // The distribution spec's tag delete; a registry that refuses it (docker-registry 2.8
        // answers 405 UNSUPPORTED) fails the task with its answer.
        try await delete(.tag(tag), in: repository)
    }

    /// `DELETE …/manifests/<reference>`; false when the endpoint answers 404.
    private func delete(_ reference: Reference, in repository: RepositoryName) async throws -> Bool {
        let path = Self.path(repository, "manifests/\(reference)")
        var response = try await send(.DELETE, path, access: .delete(repository))
        let found = response.status != .notFound
        if found { try await expect(&response, [200, 202], "DELETE \(path)") }
        _ = try? await response.body.collect(upTo: 64 << 10)
        return found
    }

    // MARK: Uploads

    /// Opens an upload session (signing in for push first, so the streamed body that follows
    /// is never refused for its credentials) and returns its location.
    /// Mounts the blob from a repository of the endpoint known to hold it (nil: mounted, nothing
    /// to send); else, or when the endpoint answers a mount with a new upload (it may), the
    /// upload's location.
    private func mountOrStartUpload(_ digest: Digest, in repository: RepositoryName) async throws -> String? {
        guard let home = blobHomes.withLock({ $0[digest] }), home != repository.value,
              let from = try? RepositoryName(parsing: home) else { return try await startUpload(in: repository) }
        let path = Self.path(repository, "blobs/uploads/?mount=\(digest)&from=\(from.value)")
        var response = try await send(.POST, path, access: .mount(repository, from: from), headers: [("Content-Length", "0")],
                                      body: { .bytes(ByteBuffer()) })
        try await expect(&response, [201, 202], "POST \(path)")
        _ = try? await response.body.collect(upTo: 64 << 10)
        if response.status == .created { return nil }
        guard let location = response.headers.first(name: "Location") else {
            throw ReplicationFailure.destination("POST \(path): \(endpoint.name) sent no Location")
        }
        return location
    }

    private func startUpload(in repository: RepositoryName) async throws -> String {
        let path = Self.path(repository, "blobs/uploads/")
        var response = try await send(.POST, path, access: .push(repository), headers: [("Content-Length", "0")], body: { .bytes(ByteBuffer()) })
        try await expect(&response, [202], "POST \(path)")
        _ = try? await response.body.collect(upTo: 64 << 10)
        guard let location = response.headers.first(name: "Location") else {
            throw ReplicationFailure.destination("POST \(path): \(endpoint.name) sent no Location")
        }
        return location
    }

    private func patch(_ location: String, from offset: Int64, length: Int64, body: ReplicatedBytes, in repository: RepositoryName) async throws -> String {
        var response = try await send(.PATCH, location, access: .push(repository), headers: [
            ("Content-Type", "application/octet-stream"),
            ("Content-Range", "\(offset)-\(offset + length - 1)"),
            ("Content-Length", "\(length)"),
        ], body: { .stream(Self.limited(body, to: length), length: .known(length)) }, streamed: true, timeout: .hours(24))
        try await expect(&response, [202], "PATCH upload")
        _ = try? await response.body.collect(upTo: 64 << 10)
        return response.headers.first(name: "Location") ?? location
    }

    /// Where an upload stands: the offset after the last byte the endpoint holds, and its location.
    private func uploadOffset(_ location: String, in repository: RepositoryName) async throws -> (Int64, String) {
        var response = try await send(.GET, location, access: .push(repository))
        try await expect(&response, [204], "GET upload status")
        guard let range = response.headers.first(name: "Range"), let dash = range.lastIndex(of: "-"),
              let last = Int64(range[range.index(after: dash)...]) else {
            throw ReplicationFailure.destination("the upload status of \(endpoint.name) has no Range")
        }
        // `0-0` is what registries answer for an empty upload as well as for one byte: the
        // caller starts again rather than guess.
        guard last > 0 else { throw ReplicationFailure.destination("the upload status of \(endpoint.name) is ambiguous (\(range))") }
        return (last + 1, response.headers.first(name: "Location") ?? location)
    }

    private func finishUpload(_ location: String, digest: Digest, body: HTTPClientRequest.Body?, size: Int64, in repository: RepositoryName) async throws {
        let separator = location.contains("?") ? "&" : "?"
        let target = "\(location)\(separator)digest=\(digest)"
        // The body is streamed once (`send` makes sure of the credentials first).
        let once = OneUse(body)
        var response = try await send(.PUT, target, access: .push(repository),
                                      headers: [("Content-Type", "application/octet-stream"), ("Content-Length", "\(size)")],
                                      body: { once.take() ?? .bytes(ByteBuffer()) }, streamed: body != nil, timeout: .hours(24))
        try await expect(&response, [201], "PUT upload of \(digest)")
        _ = try? await response.body.collect(upTo: 64 << 10)
    }

    /// The first `count` bytes of a stream (a chunk of a blob whose stream runs to its end).
    static func limited(_ bytes: ReplicatedBytes, to count: Int64) -> ReplicatedBytes {
        let cursor = StreamCursor(bytes.makeAsyncIterator(), remaining: count)
        return ReplicatedBytes(unfolding: { try await cursor.next() })
    }
}

/// A stream's iterator with a byte budget, pulled serially.
private final class StreamCursor: @unchecked Sendable {
    // @unchecked: `ReplicatedBytes(unfolding:)` calls `next` serially, never concurrently.
    private var iterator: ReplicatedBytes.AsyncIterator
    private var remaining: Int64
    init(_ iterator: ReplicatedBytes.AsyncIterator, remaining: Int64) {
        self.iterator = iterator
        self.remaining = remaining
    }

    func next() async throws -> ByteBuffer? {
        guard remaining > 0, var chunk = try await iterator.next() else { return nil }
        if Int64(chunk.readableBytes) > remaining { chunk = chunk.getSlice(at: chunk.readerIndex, length: Int(remaining)) ?? chunk }
        remaining -= Int64(chunk.readableBytes)
        return chunk
    }
}

/// A value handed out once (a streamed request body: a second send gets nil).
private final class OneUse<Value: Sendable>: Sendable {
    private let value: Mutex<Value?>
    init(_ value: Value?) { self.value = Mutex(value) }
    func take() -> Value? { value.withLock { current in defer { current = nil }; return current } }
}
