import Logging

/// How the registry routes build URLs and bound their work.
public struct RegistryRoutesOptions: Sendable {
    /// The public base URL (scheme, host, optional port and path prefix, no trailing slash)
    /// used in `Location` and `Link` headers. Nil: headers carry absolute paths (`/v2/…`),
    /// which clients resolve against the URL they requested.
    public var externalURL: String?
    /// Honour `X-Forwarded-Proto` and `X-Forwarded-Host` from a trusted reverse proxy when
    /// building absolute URLs (only when `externalURL` is nil), and, for the rate limit of
    /// ``RegistryServer``, take the client's address from `X-Forwarded-For`.
    public var trustForwardedHeaders: Bool
    /// The largest page of tags or repositories one request may ask for (`n`).
    public var maximumPageSize: Int
    /// Referrers returned per page before a `Link` to the next page.
    public var referrersPageSize: Int
    /// Authentication and authorization; nil runs the registry anonymously (everyone may do everything).
    public var authentication: RegistryAuthentication?
    /// Uploads one account may have in progress at once (nil: no limit). Anonymous mode has no
    /// accounts to count against, so there it does not apply (the rate limit, keyed by client
    /// address, does).
    public var maximumUploadsPerPrincipal: Int?
    /// Requests per second one account (known by a verified bearer token) or one client address
    /// (every other request) may make; nil: no limit. See ``RateLimitMiddleware``.
    public var requestsPerSecond: Double?
    /// Where failures inside the server are logged (their details never reach clients).
    public var logger: Logger
    /// `http` or `https`: the scheme of absolute URLs (the token realm) when no external URL is set.
    public var scheme: String
    /// Zero-copy blob downloads on connections whose pipeline has this value's
    /// ``BlobFileRegionHandler``; nil: blob bodies are always copied through memory.
    public var fileRegions: BlobFileRegions?
    /// Hosts (`host:port`) a GUN may name besides the external URL's and the request's own: the
    /// registry's main listener, when the trust API is also served on a listener of its own.
    public var registryHosts: [String] = []
    /// Serve only the trust API (and `/v2/`): what a `--trust-listen` listener answers.
    public var trustOnly = false

    /// Options with the defaults: relative URLs, forwarded headers ignored, pages of at most
    /// 10 000 names, referrers in pages of 1 000.
    public init(externalURL: String? = nil, trustForwardedHeaders: Bool = false,
                maximumPageSize: Int = 10_000, referrersPageSize: Int = 1000,
                authentication: RegistryAuthentication? = nil, scheme: String = "http",
                logger: Logger = Logger(label: "berth"), maximumUploadsPerPrincipal: Int? = 64,
                requestsPerSecond: Double? = nil, fileRegions: BlobFileRegions? = nil) {
        self.fileRegions = fileRegions
        self.maximumUploadsPerPrincipal = maximumUploadsPerPrincipal
        self.requestsPerSecond = requestsPerSecond
        self.logger = logger
        self.authentication = authentication
        self.scheme = scheme
        self.externalURL = externalURL.map { url in
            var trimmed = url
            while trimmed.hasSuffix("/") { trimmed.removeLast() }
            return trimmed
        }
        self.trustForwardedHeaders = trustForwardedHeaders
        self.maximumPageSize = maximumPageSize
        self.referrersPageSize = referrersPageSize
    }
}
