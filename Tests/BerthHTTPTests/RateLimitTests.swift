import BerthEngine
import BerthHTTP
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Testing

/// A request context carrying a chosen client address, as a server's context carries its peer's.
struct PeerContext: RemoteAddressRequestContext {
    struct Source: RequestContextSource {
        let logger: Logger
        let peer: SocketAddress?
    }

    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: Source) {
        coreContext = CoreRequestContextStorage(source: source)
        remoteAddress = source.peer
    }
}

/// Which bucket a request spends: its account only for a verified token, its address otherwise.
/// One request per ten seconds (a burst of one), so a second request in a bucket is refused
/// however slow the machine.
@Suite struct RateLimitTests {
    let authentication: RegistryAuthentication

    init() throws {
        authentication = RegistryAuthentication(signingKey: try TokenSigningKey(privateKeyPEM: try TokenSigningKey.generatePEM()))
    }

    func makeLimiter(trustForwardedFor: Bool = false, maximumClients: Int = 100_000) -> RateLimitMiddleware<PeerContext> {
        RateLimitMiddleware(requestsPerSecond: 0.001, authentication: authentication, trustForwardedFor: trustForwardedFor,
                            maximumClients: maximumClients)
    }

    /// Sends one request through `limiter` from `address`; returns its status.
    func status(_ limiter: RateLimitMiddleware<PeerContext>, from address: String, headers: HTTPFields = [:]) async throws -> HTTPResponse.Status {
        let context = PeerContext(source: .init(logger: Logger(label: "rate-limit-test"), peer: try SocketAddress(ipAddress: address, port: 40_000)))
        let request = Request(head: HTTPRequest(method: .get, scheme: "http", authority: "registry", path: "/v2/", headerFields: headers),
                              body: RequestBody(buffer: ByteBuffer()))
        return try await limiter.handle(request, context: context) { _, _ in Response(status: .ok) }.status
    }

    func validToken(_ account: String) throws -> String {
        try authentication.issue(to: Principal(name: account, isAdmin: false, canCreateProjects: false), scopes: []).token
    }

    /// A well-formed token naming `subject`, signed by a key this registry does not know.
    func forgedToken(_ subject: String) throws -> String {
        let key = try TokenSigningKey(privateKeyPEM: try TokenSigningKey.generatePEM())
        let claims = JSONWebToken.Claims(issuer: "berth", subject: subject, audience: "berth", issuedAt: Int64(Date().timeIntervalSince1970),
                                         lifetime: 300, id: UUID().uuidString, access: [])
        let input = try JSONWebToken.signingInput(claims: claims, keyID: key.keyID)
        return input + "." + JSONWebToken.base64URLEncode(try key.sign(Array(input.utf8)))
    }

    @Test func anonymousClientsAtDifferentAddressesHaveTheirOwnBuckets() async throws {
        let limiter = makeLimiter()
        #expect(try await status(limiter, from: "192.0.2.1") == .ok)
        #expect(try await status(limiter, from: "192.0.2.1") == .tooManyRequests)
        #expect(try await status(limiter, from: "192.0.2.2") == .ok)
    }

    @Test func anonymousTokensAtDifferentAddressesHaveTheirOwnBuckets() async throws {
        let limiter = makeLimiter()
        let anonymous = try authentication.issue(to: .anonymous, scopes: []).token
        #expect(try await status(limiter, from: "192.0.2.1", headers: bearer(anonymous)) == .ok)
        #expect(try await status(limiter, from: "192.0.2.1", headers: bearer(anonymous)) == .tooManyRequests)
        #expect(try await status(limiter, from: "192.0.2.2", headers: bearer(anonymous)) == .ok)
    }

    @Test func aVerifiedTokenSpendsItsAccountsBucketFromAnyAddress() async throws {
        let limiter = makeLimiter()
        let alice = try validToken("alice")
        #expect(try await status(limiter, from: "192.0.2.1", headers: bearer(alice)) == .ok)
        #expect(try await status(limiter, from: "192.0.2.2", headers: bearer(alice)) == .tooManyRequests)
    }

    @Test func aForgedTokenNamingAnAccountDoesNotSpendThatAccountsBucket() async throws {
        let limiter = makeLimiter()
        #expect(try await status(limiter, from: "192.0.2.66", headers: bearer(try forgedToken("alice"))) == .ok)
        #expect(try await status(limiter, from: "192.0.2.1", headers: bearer(try validToken("alice"))) == .ok)
    }

    @Test func forgedTokensWithMadeUpNamesShareTheirAddressesBucket() async throws {
        let limiter = makeLimiter()
        #expect(try await status(limiter, from: "192.0.2.66", headers: bearer(try forgedToken("made-up-1"))) == .ok)
        #expect(try await status(limiter, from: "192.0.2.66", headers: bearer(try forgedToken("made-up-2"))) == .tooManyRequests)
    }

    @Test func basicCredentialsAreLimitedByAddressNotByTheNameTheyClaim() async throws {
        let limiter = makeLimiter()
        #expect(try await status(limiter, from: "192.0.2.66", headers: basic("made-up-1", "whatever")) == .ok)
        #expect(try await status(limiter, from: "192.0.2.66", headers: basic("made-up-2", "whatever")) == .tooManyRequests)
    }

    @Test func aFloodOfNewClientsNeitherRefillsNorDisplacesAnActiveBucket() async throws {
        let limiter = makeLimiter(maximumClients: 4)
        #expect(try await status(limiter, from: "192.0.2.1") == .ok)
        #expect(try await status(limiter, from: "192.0.2.1") == .tooManyRequests)
        for host in 2...50 { _ = try await status(limiter, from: "192.0.2.\(host)") }
        #expect(try await status(limiter, from: "192.0.2.1") == .tooManyRequests)
    }

    @Test func clientsBeyondTheKeptNumberShareOneBucket() async throws {
        let limiter = makeLimiter(maximumClients: 1)
        #expect(try await status(limiter, from: "192.0.2.1") == .ok)
        #expect(try await status(limiter, from: "192.0.2.2") == .ok)
        #expect(try await status(limiter, from: "192.0.2.3") == .tooManyRequests)
    }

    @Test func behindATrustedProxyTheAddressItAppendedToXForwardedForChoosesTheBucket() async throws {
        let limiter = makeLimiter(trustForwardedFor: true)
        #expect(try await status(limiter, from: "10.0.0.1", headers: .named(["X-Forwarded-For": "198.51.100.7"])) == .ok)
        #expect(try await status(limiter, from: "10.0.0.1", headers: .named(["X-Forwarded-For": "198.51.100.7"])) == .tooManyRequests)
        // The client wrote the first element itself; the proxy appended the address it saw.
        #expect(try await status(limiter, from: "10.0.0.1", headers: .named(["X-Forwarded-For": "198.51.100.7, 198.51.100.8"])) == .ok)
    }

    @Test func xForwardedForIsIgnoredUnlessTrusted() async throws {
        let limiter = makeLimiter()
        #expect(try await status(limiter, from: "10.0.0.1", headers: .named(["X-Forwarded-For": "198.51.100.7"])) == .ok)
        #expect(try await status(limiter, from: "10.0.0.1", headers: .named(["X-Forwarded-For": "198.51.100.8"])) == .tooManyRequests)
    }
}
