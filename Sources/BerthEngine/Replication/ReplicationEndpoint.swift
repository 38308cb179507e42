import Foundation

/// Another registry replication pushes to or pulls from: where it is and how to reach it.
/// Its secret (the password or token) is never part of this document: it lives in the
/// owner-only credentials file (`ReplicationCredentials`), and documents shown by the API or
/// the CLI only say whether one is set.
public struct ReplicationEndpoint: Sendable, Codable, Equatable {
    /// The endpoint's name, which rules refer to (`[a-z0-9][a-z0-9._-]*`, at most 64 characters).
    public var name: String
    /// The registry's base URL, `https://host[:port]` (or `http://` with `insecure`), without `/v2`.
    public var url: String
    /// The account to sign in with (Basic, or the Docker token flow the endpoint asks for); nil: anonymous.
    public var username: String?
    /// Whether plain HTTP is allowed (off: an `http://` URL is refused).
    public var insecure: Bool
    /// Whether the endpoint's TLS certificate is verified (on by default).
    public var verifyTLS: Bool
    /// A PEM file of the CA certificates that sign the endpoint's certificate, added to the
    /// system's trust store.
    public var caFile: String?

    /// An endpoint.
    public init(name: String, url: String, username: String? = nil, insecure: Bool = false, verifyTLS: Bool = true, caFile: String? = nil) {
        self.name = name
        self.url = url
        self.username = username
        self.insecure = insecure
        self.verifyTLS = verifyTLS
        self.caFile = caFile
    }

    /// An endpoint document, with `insecure` and `verifyTLS` defaulted when absent.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        url = try container.decode(String.self, forKey: .url)
        username = try container.decodeIfPresent(String.self, forKey: .username)
        insecure = try container.decodeIfPresent(Bool.self, forKey: .insecure) ?? false
        verifyTLS = try container.decodeIfPresent(Bool.self, forKey: .verifyTLS) ?? true
        caFile = try container.decodeIfPresent(String.self, forKey: .caFile)
    }

    /// The base URL without a trailing slash.
    public var baseURL: String {
        var trimmed = url
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return trimmed
    }

    /// Whether the URL is plain HTTP.
    public var isPlainHTTP: Bool { baseURL.lowercased().hasPrefix("http://") }

    /// What is wrong with the document, each message naming its field (empty: nothing).
    public var problems: [String] {
        var found: [String] = []
        if !Self.isValidName(name) {
            found.append("name: \(name.debugDescription) is not a name ([a-z0-9][a-z0-9._-]*, at most 64 characters)")
        }
        let lower = baseURL.lowercased()
        if let components = URLComponents(string: baseURL), let scheme = components.scheme?.lowercased(),
           scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty {
            if components.path.isEmpty == false && components.path != "/" {
                found.append("url: \(url) has a path; give the registry's base URL (https://host[:port]), without /v2")
            }
            if components.query != nil || components.fragment != nil || components.user != nil {
                found.append("url: \(url) may not carry a query, a fragment or credentials")
            }
            if lower.hasPrefix("http://") && !insecure {
                found.append("url: \(url) is plain HTTP; set insecure to true to allow it")
            }
        } else {
            found.append("url: \(url.debugDescription) is not an http:// or https:// URL with a host")
        }
        if let username, username.isEmpty || username.contains(":") {
            found.append("username: may not be empty or contain ':'")
        }
        if let caFile, caFile.isEmpty { found.append("caFile: may not be empty") }
        return found
    }

    /// Whether `name` is a valid endpoint or rule name.
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 64,
              (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }
}
