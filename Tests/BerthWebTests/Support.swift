import BerthEngine
import BerthHTTP
import BerthModel
import BerthRemote
import BerthWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// A clock the tests move by hand.
final class ManualClock: RegistryClock {
    let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    func now() -> Date { current.withLock { $0 } }
    func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// The accounts every interface test has, one per role of the authorization matrix.
enum Accounts {
    static let password = "correct-horse-battery"
    static let roles: [(name: String, role: ProjectRole?)] = [
        ("guest", .guest), ("dev", .developer), ("maint", .maintainer), ("owner", .admin), ("outsider", nil),
    ]
}

/// What a test pushed: a signed image (cosign and Notation signatures, an SBOM with its own
/// signature) and an unsigned one in `team/app`, a public project `open` with one image.
struct InterfaceFixture: Sendable {
    let signed: Digest
    let cosign: Digest
    let notation: Digest
    let sbom: Digest
    let sbomSignature: Digest
    let unsigned: Digest
    let hostile: Digest
}

/// A server with the registry's routes and the interface on one router, over real HTTP on
/// loopback, on a fresh data root with `Accounts` and `InterfaceFixture` (accounts off: the
/// anonymous mode).
func withInterface<T: Sendable>(accounts: Bool = true, clock: ManualClock? = nil, sessions: WebSessionStore = WebSessionStore(),
                                throttle: SignInThrottle = SignInThrottle(), replication: Bool = false, trustForwardedFor: Bool = false,
                                _ body: @Sendable (any TestClientProtocol, FileRegistry, InterfaceFixture) async throws -> T) async throws -> T {
    let root = NSTemporaryDirectory() + "berth-web-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: root) }
    var configuration = RegistryConfiguration(root: root, ioThreads: 2, mapSize: 1 << 30)
    if let clock { configuration.clock = clock }
    let registry = try await FileRegistry.open(configuration)
    do {
        let fixture = try await makeFixture(registry, accounts: accounts)
        let authentication = accounts ? RegistryAuthentication(signingKey: try TokenSigningKey(privateKeyPEM: try TokenSigningKey.generatePEM())) : nil
        let transport = replication ? HTTPReplicationTransport() : nil
        var replicator: Replicator<FileBlobStore>?
        if let transport { replicator = try await Replicator(registry: registry, transport: transport) }
        let router = RegistryServer.router(registry: registry, options: RegistryRoutesOptions(authentication: authentication), replication: replicator)
        let interface = try WebInterface<RegistryRequestContext, FileBlobStore>(registry: registry, requiresAccounts: accounts,
                                                                                 replication: replicator, trustForwardedFor: trustForwardedFor,
                                                                                 sessions: sessions, throttle: throttle)
        interface.register(on: router)
        let app = Application(router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)))
        let result: T
        do {
            result = try await app.test(.live) { client in try await body(client, registry, fixture) }
        } catch {
            await replicator?.shutdown()
            await transport?.shutdown()
            throw error
        }
        await replicator?.shutdown()
        await transport?.shutdown()
        await registry.close()
        return result
    } catch {
        await registry.close()
        throw error
    }
}

func sha256(_ bytes: [UInt8]) -> Digest { try! ContentHasher.digest(of: bytes) }
func repo(_ name: String) -> RepositoryName { try! RepositoryName(parsing: name) }

/// Pushes a blob; returns its descriptor JSON.
func blob(_ registry: FileRegistry, _ repository: RepositoryName, _ bytes: [UInt8], _ mediaType: String) async throws -> String {
    let digest = sha256(bytes)
    _ = try await registry.pushBlob(to: repository, digest: digest, bytes: bytes)
    return #"{"mediaType":"\#(mediaType)","digest":"\#(digest)","size":\#(bytes.count)}"#
}

/// Pushes an image or artifact manifest; returns its digest.
@discardableResult
func manifest(_ registry: FileRegistry, _ repository: RepositoryName, seed: String, artifactType: String? = nil, layerType: String = "application/vnd.oci.image.layer.v1.tar+gzip",
              subject: (Digest, Int)? = nil, tags: [String] = [], annotations: [String: String] = [:]) async throws -> Digest {
    let config = artifactType == nil
        ? try await blob(registry, repository, Array(#"{"architecture":"amd64","os":"linux","seed":"\#(seed)"}"#.utf8), "application/vnd.oci.image.config.v1+json")
        : try await blob(registry, repository, Array("{}".utf8), "application/vnd.oci.empty.v1+json")
    let layer = try await blob(registry, repository, Array("layer \(seed)".utf8), layerType)
    var document: [String: Any] = [
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": try JSONSerialization.jsonObject(with: Data(config.utf8)), "layers": [try JSONSerialization.jsonObject(with: Data(layer.utf8))],
    ]
    if let artifactType { document["artifactType"] = artifactType }
    if let subject { document["subject"] = ["mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": subject.0.description, "size": subject.1] }
    if !annotations.isEmpty { document["annotations"] = annotations }
    let bytes = Array(try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]))
    let record = try await registry.putManifest(bytes, contentType: "application/vnd.oci.image.manifest.v1+json", in: repository,
                                                reference: tags.first.map { .tag(try Tag(parsing: $0)) } ?? .digest(sha256(bytes)),
                                                tags: try tags.dropFirst().map { try Tag(parsing: $0) })
    return record.digest
}

func makeFixture(_ registry: FileRegistry, accounts: Bool) async throws -> InterfaceFixture {
    let access = registry.access
    if accounts {
        _ = try await access.addAccount(name: "admin", password: Accounts.password, isAdmin: true)
        _ = try await access.addAccount(name: "robot$ci", password: Accounts.password, isRobot: true, expiresAt: Date().addingTimeInterval(86_400 * 365 * 20))
        try await access.saveProject("team", isPublic: false)
        try await access.saveProject("open", isPublic: true)
        for (name, role) in Accounts.roles {
            _ = try await access.addAccount(name: name, password: Accounts.password)
            if let role { try await access.setMember(name, of: "team", role: role) }
        }
        try await access.setMember("robot$ci", of: "team", role: .maintainer)
    }
    let app = repo("team/app")
    let signed = try await manifest(registry, app, seed: "signed", tags: ["v1"])
    let size = Int(try registry.manifestRecord(.digest(signed), in: app).size)
    let cosign = try await manifest(registry, app, seed: "cosign", layerType: "application/vnd.dev.cosign.simplesigning.v1+json",
                                    tags: ["sha256-\(signed.encoded).sig"])
    let notation = try await manifest(registry, app, seed: "notation", artifactType: "application/vnd.cncf.notary.signature",
                                      layerType: "application/jose+json", subject: (signed, size))
    let sbom = try await manifest(registry, app, seed: "sbom", artifactType: "application/spdx+json", layerType: "application/spdx+json",
                                  subject: (signed, size))
    let sbomSize = Int(try registry.manifestRecord(.digest(sbom), in: app).size)
    let sbomSignature = try await manifest(registry, app, seed: "sbom-signature", artifactType: "application/vnd.cncf.notary.signature",
                                           layerType: "application/jose+json", subject: (sbom, sbomSize))
    let unsigned = try await manifest(registry, app, seed: "unsigned", tags: ["plain"])
    let hostile = try await manifest(registry, app, seed: "hostile", tags: ["hostile"],
                                     annotations: ["org.opencontainers.image.description": "<script>alert('x')</script>", "note": "\"quoted\" & <b>bold</b>"])
    _ = try await manifest(registry, repo("open/site"), seed: "public", tags: ["latest"])
    return InterfaceFixture(signed: signed, cosign: cosign, notation: notation, sbom: sbom, sbomSignature: sbomSignature,
                            unsigned: unsigned, hostile: hostile)
}

/// A browser's cookie jar of one session, and the page it last read.
struct Visitor: Sendable {
    var cookie: String?
    var csrf: String = ""

    /// GET with the session cookie; remembers a new cookie and the page's CSRF token.
    mutating func get(_ client: any TestClientProtocol, _ path: String) async throws -> TestResponse {
        var headers = HTTPFields()
        if let cookie { headers[.cookie] = cookie }
        let response = try await client.execute(uri: path, method: .get, headers: headers, body: nil)
        remember(response)
        if let token = response.text.range(of: #"<meta name="csrf-token" content=""#).map({ response.text[$0.upperBound...] }),
           let end = token.firstIndex(of: "\"") {
            csrf = String(token[..<end])
        }
        return response
    }

    /// POST of a form with the session cookie; `csrf` false leaves the token out.
    mutating func post(_ client: any TestClientProtocol, _ path: String, _ fields: [String: String] = [:], csrf withToken: Bool = true,
                       extraHeaders: HTTPFields = [:]) async throws -> TestResponse {
        var headers = extraHeaders
        headers[.contentType] = "application/x-www-form-urlencoded"
        if let cookie { headers[.cookie] = cookie }
        var fields = fields
        if withToken { fields["csrf"] = csrf }
        let body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        let response = try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body))
        remember(response)
        return response
    }

    /// Signs in as `name`; expects it to work.
    mutating func signIn(_ client: any TestClientProtocol, _ name: String, password: String = Accounts.password,
                         extraHeaders: HTTPFields = [:]) async throws -> TestResponse {
        _ = try await get(client, "/login")
        return try await post(client, "/login", ["username": name, "password": password], extraHeaders: extraHeaders)
    }

    private mutating func remember(_ response: TestResponse) {
        for value in response.headers[values: .setCookie] {
            let pair = value.split(separator: ";").first.map(String.init) ?? ""
            cookie = pair.hasSuffix("=") ? nil : pair
        }
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var location: String? { headers[.location] }
}
