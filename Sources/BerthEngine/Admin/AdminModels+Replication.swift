import Foundation

extension AdminModels {
    /// An endpoint as the admin API takes it: the endpoint's document and, write-only, its
    /// password (absent: keep the stored one; empty: remove it).
    public struct ReplicationEndpointChange: Codable, Sendable, Equatable {
        /// The base URL.
        public var url: String
        /// The account.
        public var username: String?
        /// The secret, never echoed back.
        public var password: String?
        /// Plain HTTP allowed.
        public var insecure: Bool?
        /// TLS certificates verified (default true).
        public var verifyTLS: Bool?
        /// Extra CA certificates, a PEM file on the server.
        public var caFile: String?

        /// A change.
        public init(url: String, username: String? = nil, password: String? = nil, insecure: Bool? = nil,
                    verifyTLS: Bool? = nil, caFile: String? = nil) {
            self.url = url
            self.username = username
            self.password = password
            self.insecure = insecure
            self.verifyTLS = verifyTLS
            self.caFile = caFile
        }

        /// The endpoint named `name` this change describes.
        public func endpoint(named name: String) -> ReplicationEndpoint {
            ReplicationEndpoint(name: name, url: url, username: username, insecure: insecure ?? false,
                                verifyTLS: verifyTLS ?? true, caFile: caFile)
        }
    }

    /// An endpoint as the admin API shows it: its document, and whether a secret is stored
    /// (the secret itself never leaves the server).
    public struct ReplicationEndpointView: Codable, Sendable, Equatable {
        /// The endpoint.
        public var endpoint: ReplicationEndpoint
        /// Whether a password is stored for it.
        public var hasPassword: Bool

        /// A view.
        public init(endpoint: ReplicationEndpoint, hasPassword: Bool) {
            self.endpoint = endpoint
            self.hasPassword = hasPassword
        }

        /// The flat document: the endpoint's fields and `hasPassword`.
        public func encode(to encoder: any Encoder) throws {
            try endpoint.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(hasPassword, forKey: .hasPassword)
        }

        /// Reads the flat document.
        public init(from decoder: any Decoder) throws {
            endpoint = try ReplicationEndpoint(from: decoder)
            hasPassword = try decoder.container(keyedBy: Keys.self).decodeIfPresent(Bool.self, forKey: .hasPassword) ?? false
        }

        private enum Keys: String, CodingKey { case hasPassword }
    }
}

extension Replicator {
    /// Every endpoint as the admin API shows it (secrets redacted to `hasPassword`).
    public func endpointViews() -> [AdminModels.ReplicationEndpointView] {
        settings.endpoints.map { AdminModels.ReplicationEndpointView(endpoint: $0, hasPassword: hasSecret($0.name)) }
    }
}
