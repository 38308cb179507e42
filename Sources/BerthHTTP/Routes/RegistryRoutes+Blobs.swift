import BerthEngine
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `/v2/<name>/blobs/<digest>`: GET (with `Range`), HEAD, DELETE.
extension RegistryRoutes {
    /// Bytes read from disk per write to the connection: large enough that the hop to the I/O
    /// threads is noise, small enough that memory per download stays flat.
    static var readChunkSize: Int { 256 << 10 }

    func getBlob(_ request: Request, _ name: RepositoryName, _ text: String) async throws -> Response {
        let digest = try parseDigest(text)
        var headers: HTTPFields = [:]
        headers[.dockerContentDigest] = digest.description
        headers[.eTag] = "\"\(digest)\""
        headers[.acceptRanges] = "bytes"
        headers[.contentType] = "application/octet-stream"
        if request.method == .head {
            let link = try registry.blobInfo(digest, in: name)
            headers[.contentLength] = String(link.size)
            return Response(status: .ok, headers: headers)
        }
        let reader = try await registry.openBlob(digest, in: name)
        let size = reader.size
        let range: ByteRange?
        do {
            range = try ByteRange.parse(request.headers[.range], size: size)
        } catch {
            var failure = OCIError("BLOB_UNKNOWN", .rangeNotSatisfiable, "range \(request.headers[.range] ?? "") is outside the blob (\(size) bytes)")
            failure.headers[.contentRange] = "bytes */\(size)"
            throw failure
        }
        let start = range?.start ?? 0
        let length = range?.count ?? size
        headers[.contentLength] = String(length)
        if let range { headers[.contentRange] = "bytes \(range.start)-\(range.end)/\(size)" }
        // Zero-copy when the store offers the blob as a local file and the pipeline can send it.
        if let file = reader.backingFile, let regions = options.fileRegions, regions.vouches(for: request) {
            headers[.berthFileRegion] = BlobFileRegions.marker(path: file, offset: start, length: length, size: size)
            return Response(status: range == nil ? .ok : .partialContent, headers: headers, body: ResponseBody())
        }
        let registry = registry
        let body = ResponseBody(contentLength: Int(length)) { writer in
            var offset = start
            let end = start + length
            while offset < end {
                let want = Int(min(Int64(Self.readChunkSize), end - offset))
                let bytes = try await registry.read(reader, at: offset, count: want)
                guard !bytes.isEmpty else { break }
                try await writer.write(ByteBuffer(bytes: bytes))
                offset += Int64(bytes.count)
            }
            try await writer.finish(nil)
        }
        return Response(status: range == nil ? .ok : .partialContent, headers: headers, body: body)
    }

    func deleteBlob(_ name: RepositoryName, _ text: String, principal: Principal?) async throws -> Response {
        let digest = try parseDigest(text)
        try await registry.unlinkBlob(digest, from: name)
        await registry.access.audit(AuditEvent(actor: principal?.displayName ?? "anonymous", action: "delete-blob", repository: name.value,
                                        digest: digest.description))
        return Response(status: .accepted, headers: [.contentLength: "0"])
    }
}
