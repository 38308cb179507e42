import BerthEngine
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird

/// `/v2/<name>/blobs/uploads/[<id>]`: POST (start, monolithic, mount), PATCH, PUT, GET, DELETE.
extension RegistryRoutes {
    func startUpload(_ request: Request, _ name: RepositoryName, identity: RegistryAuthentication.Identity?) async throws -> Response {
        let query = request.uri.queryParameters
        let principal = identity?.principal
        if let principal { try await registry.access.ensureProject(for: name, pushedBy: principal) }
        if let mount = query["mount"] {
            let digest = try parseDigest(String(mount))
            // Mounting needs pull on the source as well (a token must grant it too, not only the
            // account's roles allow it); without it the spec's answer is a new session.
            if let fromText = query["from"], let from = try? RepositoryName(parsing: fromText),
               try identity.map({ try allows($0, .pull, on: from) }) ?? true,
               try await registry.mountBlob(digest, from: from, into: name) {
                return blobCreated(request, name, digest)
            }
            // Not mountable: the spec asks for an ordinary upload session instead.
        }
        if let digestText = query["digest"] {
            let digest = try parseDigest(String(digestText))
            let size = request.headers[.contentLength].flatMap { Int64($0) }
            if let size, size > registry.configuration.maximumBlobSize {
                throw OCIError(RegistryError.blobTooLarge(limit: registry.configuration.maximumBlobSize))
            }
            _ = try await registry.pushBlob(to: name, digest: digest, size: size, body: request.body)
            return blobCreated(request, name, digest)
        }
        let session = try await registry.startUpload(in: name, owner: principal?.name, limit: options.maximumUploadsPerPrincipal)
        return uploadAccepted(request, name, session, status: .accepted)
    }

    func patchUpload(_ request: Request, _ name: RepositoryName, _ text: String, principal: Principal?) async throws -> Response {
        let id = try uploadID(text)
        let range = try contentRange(request)
        let session = try await registry.appendUpload(id, in: name, at: range?.start, owner: principal?.name,
                                                      body: RangeBoundBody(request, range))
        return uploadAccepted(request, name, session, status: .accepted)
    }

    func putUpload(_ request: Request, _ name: RepositoryName, _ text: String, principal: Principal?) async throws -> Response {
        let id = try uploadID(text)
        guard let digestText = request.uri.queryParameters["digest"] else {
            throw OCIError.digestInvalid("the digest query parameter is required to finish an upload")
        }
        let digest = try parseDigest(String(digestText))
        let range = try contentRange(request)
        _ = try await registry.finishUpload(id, in: name, digest: digest, at: range?.start, owner: principal?.name,
                                            lastChunk: RangeBoundBody(request, range))
        return blobCreated(request, name, digest)
    }

    func uploadStatus(_ request: Request, _ name: RepositoryName, _ text: String, principal: Principal?) async throws -> Response {
        let session = try await registry.uploadStatus(try uploadID(text), in: name, owner: principal?.name)
        return uploadAccepted(request, name, session, status: .noContent)
    }

    func cancelUpload(_ name: RepositoryName, _ text: String, principal: Principal?) async throws -> Response {
        try await registry.cancelUpload(try uploadID(text), in: name, owner: principal?.name)
        return Response(status: .noContent, headers: [.contentLength: "0"])
    }

    // MARK: Helpers

    private func uploadID(_ text: String) throws -> UploadID {
        guard let id = UploadID(text) else {
            throw OCIError(RegistryError.uploadUnknown(text))
        }
        return id
    }

    /// `Content-Range: <start>-<end>` (the spec's form; `bytes ` prefix accepted). Nil when
    /// absent. A malformed header, or one whose length disagrees with `Content-Length`, is
    /// refused with 416; without a `Content-Length` the body is held to it (`RangeBoundBody`).
    private func contentRange(_ request: Request) throws -> ContentRange? {
        guard let header = request.headers[.contentRange] else { return nil }
        guard let range = ContentRange(parsing: header) else {
            throw OCIError("BLOB_UPLOAD_INVALID", .rangeNotSatisfiable, "malformed Content-Range \(header)")
        }
        if let length = request.headers[.contentLength].flatMap(Int64.init), length != range.length {
            throw OCIError("BLOB_UPLOAD_INVALID", .rangeNotSatisfiable, "Content-Range \(range.start)-\(range.end) does not match Content-Length \(length)")
        }
        return range
    }

    private func blobCreated(_ request: Request, _ name: RepositoryName, _ digest: Digest) -> Response {
        var headers: HTTPFields = [:]
        headers[.location] = "\(base(request))/v2/\(name)/blobs/\(digest)"
        headers[.dockerContentDigest] = digest.description
        headers[.contentLength] = "0"
        return Response(status: .created, headers: headers)
    }

    private func uploadAccepted(_ request: Request, _ name: RepositoryName, _ session: UploadRecord,
                                status: HTTPResponse.Status) -> Response {
        var headers = uploadHeaders(base: base(request), name, session)
        headers[.contentLength] = "0"
        return Response(status: status, headers: headers)
    }

    private func uploadHeaders(base: String, _ name: RepositoryName, _ session: UploadRecord) -> HTTPFields {
        var headers: HTTPFields = [:]
        headers[.location] = "\(base)/v2/\(name)/blobs/uploads/\(session.id)"
        headers[.dockerUploadUUID] = session.id.description
        // Inclusive end; an empty upload reports 0-0, as Docker's registry does and clients expect.
        headers[.range] = "0-\(max(0, session.offset - 1))"
        return headers
    }
}
