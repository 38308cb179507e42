import AsyncHTTPClient
import BerthEngine
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Replication's transport over HTTP: one connection pool (async-http-client) for every
/// endpoint, each request with its endpoint's TLS settings. `shutdown()` when done.
public final class HTTPReplicationTransport: ReplicationTransport {
    let client: HTTPClient

    /// A transport with its own client: connect within 10 s, and a read or a write that makes
    /// no progress for `idleTimeout` fails (a stalled peer never holds a task for ever).
    public init(idleTimeout: Duration = .seconds(60)) {
        let idle = TimeAmount.nanoseconds(Int64(idleTimeout.components.seconds) * 1_000_000_000)
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .follow(max: 5, allowCycles: false),
            timeout: .init(connect: .seconds(10), read: idle, write: idle))
        configuration.httpVersion = .automatic
        // A refused connection fails the request at once: the replicator's own attempts (with
        // their pauses) retry the task, and a stopped endpoint would otherwise hold every
        // attempt for the whole connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func peer(for endpoint: ReplicationEndpoint, credential: ReplicationCredential?) async throws -> any ReplicationPeer {
        // The CA file is read on a thread of NIO's blocking pool, not on the cooperative pool.
        var roots: [NIOSSLCertificate]?
        if let caFile = endpoint.caFile, !endpoint.isPlainHTTP {
            roots = try await NIOThreadPool.singleton.runIfActive { try RemoteRegistryClient.certificates(in: caFile, of: endpoint) }
        }
        return try RemoteRegistryClient(endpoint: endpoint, credential: credential, client: client, trustRoots: roots)
    }

    /// Closes the connections.
    public func shutdown() async {
        try? await client.shutdown()
    }
}
