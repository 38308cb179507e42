import Foundation

/// How a whole registry server listens and treats connections: what `berth serve` maps its
/// settings onto, and what an embedder sets to run the same server.
public struct RegistryServerConfiguration: Sendable {
    /// A certificate chain and its private key, both PEM files.
    public struct TLSFiles: Sendable, Equatable {
        /// The certificate chain (leaf first).
        public var certificate: String
        /// The private key.
        public var key: String

        /// A certificate chain and key.
        public init(certificate: String, key: String) {
            self.certificate = certificate
            self.key = key
        }
    }

    /// The address to listen on.
    public var host: String
    /// The port (0: any free port).
    public var port: Int
    /// HTTPS with HTTP/2 and HTTP/1.1 offered by ALPN; nil: plain HTTP/1.1 with zero-copy downloads.
    public var tls: TLSFiles?
    /// A connection without a request for this long is closed.
    public var idleTimeout: Duration
    /// A request's headers must have arrived within this long of the connection's start or of
    /// the previous response (slow-header clients are cut off).
    public var headerDeadline: Duration
    /// The largest header field and header list accepted.
    public var maximumHeaderSize: Int
    /// The `Server` header.
    public var serverName: String

    /// A configuration; the defaults are `berth serve`'s.
    public init(host: String = "127.0.0.1", port: Int = 5000, tls: TLSFiles? = nil, idleTimeout: Duration = .seconds(30),
                headerDeadline: Duration = .seconds(30), maximumHeaderSize: Int = 80 * 1024, serverName: String = "berth") {
        self.host = host
        self.port = port
        self.tls = tls
        self.idleTimeout = idleTimeout
        self.headerDeadline = headerDeadline
        self.maximumHeaderSize = maximumHeaderSize
        self.serverName = serverName
    }

    /// `https` with TLS, else `http`.
    public var scheme: String { tls == nil ? "http" : "https" }
}
