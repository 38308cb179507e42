import BerthEngine
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import Logging
import NIOCore
import NIOSSL

extension RegistryServer {
    /// The whole server `berth serve` runs, for any store: the router (`router(registry:…)`),
    /// the channel pipeline (header deadline, idle timeout, header limits; on plain HTTP/1.1 the
    /// 1 MiB receive buffer and the zero-copy blob handler; with TLS, HTTP/2 and HTTP/1.1 by
    /// ALPN), as a Hummingbird `Application` to run or to put in a service group.
    ///
    /// `metrics`, `exposition` and `replication` are the router's (`router(registry:…)`). `options` gives the
    /// routes' settings; its `scheme` and `fileRegions` are set here from
    /// `configuration` (zero-copy only without TLS). `additionalRoutes` adds routes of the
    /// embedder's (`berth serve` adds the web interface) after the registry's, behind the same
    /// middleware. Throws when the TLS files cannot be used.
    public static func application<Store: BlobStore>(
        registry: Registry<Store>, configuration: RegistryServerConfiguration, options: RegistryRoutesOptions = RegistryRoutesOptions(),
        metrics: RegistryMetrics? = nil, exposition: PrometheusExposition? = nil, logger: Logger = Logger(label: "berth"),
        replication: Replicator<Store>? = nil,
        additionalRoutes: (Router<RegistryRequestContext>) -> Void = { _ in },
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws -> Application<RouterResponder<RegistryRequestContext>> {
        let fileRegions = BlobFileRegions()
        var options = options
        options.scheme = configuration.scheme
        options.fileRegions = configuration.tls == nil ? fileRegions : nil
        let router = Self.router(registry: registry, options: options, metrics: metrics, exposition: exposition, logger: logger,
                                 replication: replication)
        // After the registry's routes and behind the same middleware (access log, rate limit).
        additionalRoutes(router)
        return Application(
            router: router,
            server: try channelSetup(configuration, fileRegions: fileRegions),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port),
                                                    serverName: configuration.serverName),
            onServerRunning: onServerRunning,
            logger: logger)
    }

    /// Plain HTTP/1.1 (with the zero-copy handler of `fileRegions`), or HTTPS with HTTP/2 and
    /// HTTP/1.1 offered by ALPN.
    static func channelSetup(_ configuration: RegistryServerConfiguration, fileRegions: BlobFileRegions) throws -> HTTPServerBuilder {
        let idle = TimeAmount(configuration.idleTimeout)
        let deadline = TimeAmount(configuration.headerDeadline)
        let decoder = HTTP1Channel.Configuration.DecoderConfiguration(
            maxHeaderFieldSize: configuration.maximumHeaderSize, maxHeaderListSize: configuration.maximumHeaderSize)
        guard let files = configuration.tls else {
            let plaintext = HTTP1Channel.Configuration(
                additionalChannelHandlers: [ReceiveBufferHandler(), HeaderDeadlineHandler(deadline: deadline), fileRegions.channelHandler(idleGrace: idle)],
                idleTimeout: idle, httpDecoderConfiguration: decoder)
            return .http1(configuration: plaintext)
        }
        let http1 = HTTP1Channel.Configuration(additionalChannelHandlers: [HeaderDeadlineHandler(deadline: deadline)],
                                               idleTimeout: idle, httpDecoderConfiguration: decoder)
        let chain = try NIOSSLCertificate.fromPEMFile(files.certificate).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: files.key, format: .pem)
        let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        return try .http2Upgrade(tlsConfiguration: tls, configuration: .init(idleTimeout: configuration.idleTimeout, streamConfiguration: http1))
    }
}

extension TimeAmount {
    /// The same span, to the nanosecond (saturating far past any timeout in use).
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        self = .nanoseconds(overflow ? .max : product.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue)
    }
}
