import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Zero-copy blob downloads (`sendfile(2)`) on plaintext HTTP/1.1 connections.
///
/// Hummingbird writes response bodies as `ByteBuffer`s only, so a blob would be read into memory
/// and copied to the socket. With this enabled, `GET /v2/<name>/blobs/<digest>` answers with
/// headers alone and a private marker naming the file and byte range; ``BlobFileRegionHandler``,
/// sitting in the connection's pipeline, removes the marker and hands the kernel a `FileRegion`
/// of the blob file.
///
/// Guarantees:
/// - The routes use the marker only on connections whose handler vouched for itself: the handler
///   stamps each request with this value's secret, so a route mounted without the handler, or a
///   client that forges the header, gets the ordinary copying path.
/// - The marker never reaches a client: the handler that stamped the request removes it.
/// - Only plaintext HTTP/1.1: TLS and HTTP/2 cannot carry file regions. Add the handler to the
///   plaintext `HTTP1Channel` configuration only (``RegistryServer`` does).
public struct BlobFileRegions: Sendable {
    /// The secret a handler stamps on requests; random per value (per process in practice).
    let secret: String

    /// A new value with a random secret.
    public init() {
        var generator = SystemRandomNumberGenerator()
        secret = (0..<4).map { _ in String(generator.next() as UInt64, radix: 16) }.joined(separator: "-")
    }

    /// A handler for one connection's pipeline; give this to
    /// `HTTP1Channel.Configuration(additionalChannelHandlers:)`.
    /// - Parameters:
    ///   - idleGrace: after a download, how long a close that other handlers asked for during
    ///     it waits for the client's next request (use the connection's idle timeout).
    ///   - minimumRate: bytes per second below which a downloading client is not waited for.
    public func channelHandler(idleGrace: TimeAmount = .seconds(30), minimumRate: Int64 = 16 * 1024) -> BlobFileRegionHandler {
        BlobFileRegionHandler(secret: secret, idleGrace: idleGrace, minimumRate: minimumRate)
    }

    /// Whether the request came through a handler of this value.
    func vouches(for request: Request) -> Bool {
        request.headers[.berthFileRegion] == secret
    }

    /// Response headers asking the handler to send `length` bytes of `path` from `offset`;
    /// `size` is the file's length when the route looked, checked again after the handler opens it.
    static func marker(path: String, offset: Int64, length: Int64, size: Int64) -> String {
        "\(offset) \(length) \(size) \(path)"
    }
}

extension HTTPField.Name {
    /// Private between ``BlobFileRegionHandler`` and the routes; stripped in both directions.
    static let berthFileRegion = HTTPField.Name("X-Berth-File-Region")!
}
