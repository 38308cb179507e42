import BerthEngine
import BerthModel
import Hummingbird
import NIOCore

/// A chunked request body held to the length its `Content-Range` declares: bytes past the
/// range are never passed on, and a body that runs past it, or ends short of it, fails with
/// `400 BLOB_UPLOAD_INVALID` once what it carried inside the range is taken in (the session
/// keeps those bytes, as with any body cut off; its status says where to resume). With a
/// `Content-Length` the two are compared before any byte is read, and a mismatch is a 416.
struct RangeBoundBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let body: RequestBody
    /// The bytes the range declares; nil when there is nothing to hold the body to (no
    /// `Content-Range`, or a `Content-Length` already checked against it): the body as it is.
    let length: Int64?
    let range: String

    /// The request's body, held to `range` when it has no `Content-Length`.
    init(_ request: Request, _ range: ContentRange?) {
        body = request.body
        length = request.headers[.contentLength] == nil ? range?.length : nil
        self.range = range.map { "\($0.start)-\($0.end)" } ?? ""
    }

    func makeAsyncIterator() -> Iterator {
        Iterator(base: body.makeAsyncIterator(), remaining: length, range: range)
    }

    struct Iterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        var remaining: Int64?
        let range: String
        var overrun = false

        mutating func next() async throws -> ByteBuffer? {
            guard let left = remaining else { return try await base.next() }
            if overrun { throw Self.mismatch("longer than", range) }
            guard var buffer = try await base.next() else {
                if left > 0 { throw Self.mismatch("shorter than", range) }
                return nil
            }
            if Int64(buffer.readableBytes) > left {
                // Pass on what fits, then fail on the next call: the upload keeps the range's bytes.
                buffer = buffer.getSlice(at: buffer.readerIndex, length: Int(left)) ?? ByteBuffer()
                overrun = true
            }
            remaining = left - Int64(buffer.readableBytes)
            return buffer
        }

        // A RegistryError, so the engine passes it on as it is (it wraps other errors as storage failures).
        private static func mismatch(_ comparison: String, _ range: String) -> RegistryError {
            .uploadInvalid("the body is \(comparison) its Content-Range \(range)")
        }
    }
}
