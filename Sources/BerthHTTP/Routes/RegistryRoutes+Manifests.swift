import BerthEngine
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird

/// `/v2/<name>/manifests/<reference>`: GET, HEAD, PUT, DELETE.
extension RegistryRoutes {
    func getManifest(_ request: Request, _ name: RepositoryName, _ text: String,
                     identity: RegistryAuthentication.Identity?) async throws -> Response {
        let reference = try lookupReference(text, in: name)
        var headers: HTTPFields = [:]
        if request.method == .head {
            let record = try registry.manifestRecord(reference, in: name)
            headers[.contentType] = record.mediaType.rawValue
            headers[.contentLength] = String(record.size)
            headers[.dockerContentDigest] = record.digest.description
            headers[.eTag] = "\"\(record.digest)\""
            return Response(status: .ok, headers: headers)
        }
        let (record, bytes) = try registry.manifest(reference, in: name)
        // HEAD is always answered; a GET of the content obeys the signed-only policy, except for
        // those who may push here (they read what they are about to sign). With a token, "may
        // push" means the token grants push too: a pull-only token (what `docker pull` caches)
        // of an account with the push role is a puller, not a signer.
        let maySign = try identity.map { try allows($0, .push, on: name) } ?? false
        if !maySign { try await registry.checkPullPolicy(record) }
        headers[.contentType] = record.mediaType.rawValue
        headers[.dockerContentDigest] = record.digest.description
        headers[.eTag] = "\"\(record.digest)\""
        headers[.contentLength] = String(bytes.count)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func putManifest(_ request: Request, _ name: RepositoryName, _ text: String, principal: Principal?) async throws -> Response {
        let reference = try Reference(parsing: text)
        if let principal { try await registry.access.ensureProject(for: name, pushedBy: principal) }
        // `?tag=` parameters with a digest reference: the spec's tags pushed with the manifest.
        var tags: [Tag] = []
        if case .digest = reference {
            let texts = request.uri.queryParameters.getAll("tag")
            guard texts.count <= 100 else { throw OCIError("TAG_INVALID", .uriTooLong, "at most 100 tag parameters per request") }
            tags = try texts.map { try Tag(parsing: $0) }
        }
        let bytes = try await collectManifest(request)
        // The engine audits the push in the push's own transaction.
        let record = try await registry.putManifest(bytes, contentType: request.headers[.contentType], in: name,
                                                    reference: reference, tags: tags, actor: principal?.displayName ?? "anonymous")
        var headers: HTTPFields = [:]
        headers[.location] = "\(base(request))/v2/\(name)/manifests/\(record.digest)"
        headers[.dockerContentDigest] = record.digest.description
        if let subject = record.subject { headers[.ociSubject] = subject.description }
        if !tags.isEmpty { headers[.ociTag] = tags.map(\.value).joined(separator: ", ") }
        headers[.contentLength] = "0"
        return Response(status: .created, headers: headers)
    }

    func deleteManifest(_ name: RepositoryName, _ text: String, principal: Principal?) async throws -> Response {
        let reference = try lookupReference(text, in: name)
        switch reference {
        case .digest(let digest): try await registry.deleteManifest(digest, in: name)
        case .tag(let tag): try await registry.deleteTag(tag, in: name)
        }
        await registry.access.audit(AuditEvent(actor: principal?.displayName ?? "anonymous", action: "delete", repository: name.value,
                                        digest: reference.description))
        return Response(status: .accepted, headers: [.contentLength: "0"])
    }

    /// The reference of a lookup (GET, HEAD, DELETE). A string that is no valid tag names no
    /// manifest, so it is unknown (404), as the conformance suite expects; a malformed digest
    /// stays a 400 `DIGEST_INVALID`.
    private func lookupReference(_ text: String, in name: RepositoryName) throws -> Reference {
        do {
            return try Reference(parsing: text)
        } catch .invalidTag {
            throw RegistryError.manifestUnknown("\(name):\(text)")
        }
    }

    /// Reads a manifest body, refusing (413) anything over the spec's 4 MiB before reading it
    /// all when the length is declared, and as soon as it passes the limit otherwise.
    private func collectManifest(_ request: Request) async throws -> [UInt8] {
        let limit = Manifest.maximumSize
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw OCIError(.manifestTooLarge(size: declared, limit: limit))
        }
        var bytes: [UInt8] = []
        for try await buffer in request.body {
            guard bytes.count + buffer.readableBytes <= limit else {
                throw OCIError(.manifestTooLarge(size: bytes.count + buffer.readableBytes, limit: limit))
            }
            bytes.append(contentsOf: buffer.readableBytesView)
        }
        return bytes
    }
}
