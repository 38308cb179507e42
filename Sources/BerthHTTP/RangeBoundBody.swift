import BerthEngine
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
    let length: Int64
    let range: String

    func makeAsyncIterator() -> Iterator {
        Iterator(base: body.makeAsyncIterator(), remaining: length, range: range)
    }

    struct Iterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        var remaining: Int64
        let range: String
        var overrun = false

        mutating func next() async throws -> ByteBuffer? {
            if overrun { throw Self.mismatch("longer than", range) }
            guard var buffer = try await base.next() else {
                if remaining > 0 { throw Self.mismatch("shorter than", range) }
                return nil
            }
            if Int64(buffer.readableBytes) > remaining {
                // Pass on what fits, then fail on the next call: the upload keeps the range's bytes.
                buffer = buffer.getSlice(at: buffer.readerIndex, length: Int(remaining)) ?? ByteBuffer()
                overrun = true
            }
            remaining -= Int64(buffer.readableBytes)
            return buffer
        }

        // A RegistryError, so the engine passes it on as it is (it wraps other errors as storage failures).
        private static func mismatch(_ comparison: String, _ range: String) -> RegistryError {
            .uploadInvalid("the body is \(comparison) its Content-Range \(range)")
        }
    }
}
