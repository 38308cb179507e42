import AsyncHTTPClient
import BerthEngine
import BerthModel
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// An endpoint spoken to over the OCI distribution API: the source of a pull rule, the
/// destination of a push rule. Signs in as the endpoint asks: Basic credentials, or the Docker
/// token flow (a 401 with `WWW-Authenticate: Bearer realm=…,service=…` is answered by fetching
/// a token for the scope the request needs, cached until it expires).
public final class RemoteRegistryClient: Sendable {
    /// The endpoint.
    public let endpoint: ReplicationEndpoint
    let credential: ReplicationCredential?
    let client: HTTPClient
    let tls: TLSConfiguration?
    let tokens = Mutex<[String: (token: String, expires: Date)]>([:])
    /// Whether Basic credentials are what the endpoint asked for (sent up front from then on).
    let usesBasic = Mutex(false)
    /// Per repository: whether the endpoint answers the referrers API.
    let referrersSupport = Mutex<[String: Bool]>([:])
    /// A repository of the endpoint known to hold each blob (found there or sent there by this
    /// client), so the same blob for another repository is mounted rather than sent again.
    let blobHomes = Mutex<[Digest: String]>([:])

    /// The manifest media types asked for.
    static let manifestAccept = [
        MediaType.ociImageManifest.rawValue, MediaType.ociImageIndex.rawValue,
        "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.docker.distribution.manifest.list.v2+json",
    ].joined(separator: ", ")

    /// The largest blob sent in one request; larger ones go in chunks of this size.
    let chunkSize: Int64

    /// A client of `endpoint` over `client`'s connections; `trustRoots`, the certificates of the
    /// endpoint's CA file already read (nil: read here, from the calling thread).
    public init(endpoint: ReplicationEndpoint, credential: ReplicationCredential?, client: HTTPClient, chunkSize: Int64 = 256 << 20,
                trustRoots: [NIOSSLCertificate]? = nil) throws {
        self.endpoint = endpoint
        self.credential = credential
        self.client = client
        self.chunkSize = chunkSize
        if endpoint.isPlainHTTP {
            tls = nil
        } else {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if !endpoint.verifyTLS { configuration.certificateVerification = .none }
            if let trustRoots {
                configuration.trustRoots = .certificates(trustRoots)
            } else if let caFile = endpoint.caFile {
                configuration.trustRoots = .certificates(try Self.certificates(in: caFile, of: endpoint))
            }
            tls = configuration
        }
    }

    /// The certificates of a CA file; `.unreachable` naming the file when it cannot be read.
    public static func certificates(in caFile: String, of endpoint: ReplicationEndpoint) throws -> [NIOSSLCertificate] {
        do {
            return try NIOSSLCertificate.fromPEMFile(caFile)
        } catch {
            throw ReplicationFailure.unreachable("endpoint \(endpoint.name): cannot read the CA file \(caFile): \(error)")
        }
    }

    // MARK: Requests

    /// What a request needs of a repository, for the token's scope.
    enum Access: Sendable {
        case pull(RepositoryName)
        case push(RepositoryName)
        case delete(RepositoryName)
        /// Push into the first, read the second (a cross-repository mount).
        case mount(RepositoryName, from: RepositoryName)
        case catalog

        /// The scopes a token needs (the token request repeats `scope` for each).
        var scopes: [String] {
            switch self {
            case .pull(let name): ["repository:\(name):pull"]
            case .push(let name): ["repository:\(name):pull,push"]
            case .delete(let name): ["repository:\(name):delete"]
            case .mount(let name, let from): ["repository:\(name):pull,push", "repository:\(from):pull"]
            case .catalog: ["registry:catalog:*"]
            }
        }

        /// The scopes as one string (the token cache's key, and messages).
        var scope: String { scopes.joined(separator: " ") }
    }

    /// The URL of a path under the base URL (a `Location` the endpoint sent may be absolute).
    func url(_ pathOrURL: String) -> String {
        if pathOrURL.hasPrefix("http://") || pathOrURL.hasPrefix("https://") { return pathOrURL }
        return endpoint.baseURL + (pathOrURL.hasPrefix("/") ? pathOrURL : "/" + pathOrURL)
    }

    /// Sends a request, signing in when the endpoint asks (once: a second 401 is
    /// `.unauthorized`). `body` is made anew for the retry, so it must be repeatable; a
    /// streamed body is sent only after `authorize(_:)` made sure the credentials are in place.
    ///
    /// `streamed`: the body can be sent only once (a blob's bytes). Credentials are then made
    /// sure of first (a token about to expire is renewed by a cheap request), and a 401 is an
    /// error the caller resumes from rather than a resend of half a stream.
    func send(_ method: HTTPMethod, _ path: String, access: Access, headers: [(String, String)] = [],
              body: (@Sendable () -> HTTPClientRequest.Body)? = nil, streamed: Bool = false,
              timeout: TimeAmount = .seconds(300)) async throws -> HTTPClientResponse {
        if streamed && !hasFreshCredentials(for: access) { try await authorize(access, probe: "/v2/") }
        var response = try await execute(method, path, access: access, headers: headers, body: body?(), timeout: timeout)
        guard response.status == .unauthorized else { return response }
        if streamed {
            let detail = try await Self.errorText(of: &response)
            throw ReplicationFailure.unauthorized("\(endpoint.name) refused the credentials for \(access.scope) during an upload: \(detail)")
        }
        let challenge = response.headers.first(name: "WWW-Authenticate").flatMap(RegistryChallenge.init(header:))
        _ = try? await response.body.collect(upTo: 64 << 10)
        try await signIn(challenge, access: access)
        response = try await execute(method, path, access: access, headers: headers, body: body?(), timeout: timeout)
        if response.status == .unauthorized {
            let detail = try await Self.errorText(of: &response)
            throw ReplicationFailure.unauthorized("\(endpoint.name) refused the credentials for \(access.scope): \(detail)")
        }
        return response
    }

    /// Makes sure a request with `access` will carry accepted credentials (before a body that
    /// cannot be sent twice): a cheap request of that scope, signing in if asked.
    func authorize(_ access: Access, probe path: String) async throws {
        var response = try await send(.GET, path, access: access)
        _ = try await Self.errorText(of: &response)
    }

    /// Whether a request with `access` would carry credentials that will not expire in flight:
    /// none are needed yet, Basic is in use, or a token of the scope has a minute left.
    private func hasFreshCredentials(for access: Access) -> Bool {
        if usesBasic.withLock({ $0 }) { return true }
        let tokens = tokens.withLock { $0 }
        if tokens.isEmpty { return true }
        guard let token = tokens[access.scope] else { return false }
        return token.expires > Date().addingTimeInterval(60)
    }

    private func execute(_ method: HTTPMethod, _ path: String, access: Access, headers: [(String, String)],
                         body: HTTPClientRequest.Body?, timeout: TimeAmount) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url(path))
        request.method = method
        request.tlsConfiguration = tls
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let authorization = authorization(for: access) { request.headers.replaceOrAdd(name: "Authorization", value: authorization) }
        request.body = body
        do {
            return try await client.execute(request, timeout: timeout)
        } catch {
            throw ReplicationFailure.unreachable("\(method) \(url(path)): \(error)")
        }
    }

    /// The Authorization header for `access`: a cached token of its scope, else Basic when the
    /// endpoint asked for it.
    private func authorization(for access: Access) -> String? {
        if let token = tokens.withLock({ $0[access.scope] }), token.expires > Date() { return "Bearer \(token.token)" }
        if usesBasic.withLock({ $0 }), let basic = basicAuthorization { return basic }
        return nil
    }

    private var basicAuthorization: String? {
        credential.map { "Basic " + Data("\($0.username):\($0.password)".utf8).base64EncodedString() }
    }

    /// Answers a challenge: Basic from now on, or a token fetched from the realm for the scope.
    private func signIn(_ challenge: RegistryChallenge?, access: Access) async throws {
        guard let challenge else {
            throw ReplicationFailure.unauthorized("\(endpoint.name) answered 401 without a challenge")
        }
        switch challenge.scheme {
        case "basic":
            guard basicAuthorization != nil else { throw ReplicationFailure.unauthorized("\(endpoint.name) asks for credentials and the endpoint has none") }
            usesBasic.withLock { $0 = true }
        case "bearer":
            guard let realm = challenge.parameters["realm"], var components = URLComponents(string: realm) else {
                throw ReplicationFailure.unauthorized("\(endpoint.name) sent a Bearer challenge without a realm")
            }
            // The endpoint's password goes only where its own settings allow plain HTTP.
            if components.scheme?.lowercased() != "https" && !endpoint.insecure {
                throw ReplicationFailure.unauthorized("\(endpoint.name) names a token realm over plain HTTP (\(realm)); set insecure to allow it")
            }
            var query = components.queryItems ?? []
            if let service = challenge.parameters["service"] { query.append(URLQueryItem(name: "service", value: service)) }
            query += access.scopes.map { URLQueryItem(name: "scope", value: $0) }
            components.queryItems = query
            guard let tokenURL = components.string else { throw ReplicationFailure.unauthorized("\(endpoint.name): the realm \(realm) is not a URL") }
            var request = HTTPClientRequest(url: tokenURL)
            request.tlsConfiguration = tls
            if let basic = basicAuthorization { request.headers.add(name: "Authorization", value: basic) }
            var response: HTTPClientResponse
            do {
                response = try await client.execute(request, timeout: .seconds(30))
            } catch {
                throw ReplicationFailure.unreachable("the token endpoint \(tokenURL): \(error)")
            }
            guard response.status == .ok else {
                let detail = try await Self.errorText(of: &response)
                throw ReplicationFailure.unauthorized("the token endpoint of \(endpoint.name) refused \(access.scope): \(response.status.code) \(detail)")
            }
            let body = try await response.body.collect(upTo: 1 << 20)
            struct TokenAnswer: Decodable {
                let token: String?
                let access_token: String?
                let expires_in: Int?
            }
            guard let answer = try? JSONDecoder().decode(TokenAnswer.self, from: Data(body.readableBytesView)),
                  let token = answer.token ?? answer.access_token else {
                throw ReplicationFailure.unauthorized("the token endpoint of \(endpoint.name) sent no token")
            }
            // The spec's default lifetime is 60 s; a few seconds early, so a token never
            // expires in flight.
            let lifetime = Double(max(10, answer.expires_in ?? 60) - 5)
            tokens.withLock { $0[access.scope] = (token, Date().addingTimeInterval(lifetime)) }
        default:
            throw ReplicationFailure.unauthorized("\(endpoint.name) asks for \(challenge.scheme) authentication, which Berth does not speak")
        }
    }

    /// The error a response carries, read from its body (the spec's JSON errors when it sends them).
    static func errorText(of response: inout HTTPClientResponse) async throws -> String {
        let body = (try? await response.body.collect(upTo: 64 << 10)).map { Data($0.readableBytesView) } ?? Data()
        struct Errors: Decodable {
            struct Entry: Decodable {
                let code: String?
                let message: String?
            }
            let errors: [Entry]?
        }
        if let decoded = try? JSONDecoder().decode(Errors.self, from: body), let entries = decoded.errors, !entries.isEmpty {
            return entries.map { [$0.code, $0.message].compactMap { $0 }.joined(separator: ": ") }.joined(separator: "; ")
        }
        return String(decoding: body.prefix(200), as: UTF8.self)
    }

    /// Fails with the destination's error unless the status is one of `expected`.
    func expect(_ response: inout HTTPClientResponse, _ expected: Set<UInt>, _ what: String) async throws {
        guard !expected.contains(response.status.code) else { return }
        let detail = try await Self.errorText(of: &response)
        throw ReplicationFailure.destination("\(what): \(endpoint.name) answered \(response.status.code) \(response.status.reasonPhrase)\(detail.isEmpty ? "" : ": \(detail)")")
    }

    /// The path of a repository's endpoint.
    static func path(_ repository: RepositoryName, _ rest: String) -> String { "/v2/\(repository.value)/\(rest)" }
}
