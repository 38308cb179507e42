import Hummingbird
import NIOCore

/// The request context of ``RegistryServer``: Hummingbird's basic context plus the address of
/// the client's connection (the peer of the TCP connection: a proxy's, behind one).
public struct RegistryRequestContext: RequestContext, RemoteAddressRequestContext {
    /// Hummingbird's own per-request values.
    public var coreContext: CoreRequestContextStorage
    /// The connection's peer, as the channel reports it (nil when it reports none).
    public let remoteAddress: SocketAddress?

    /// The context of a request arriving on `source`'s channel.
    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
