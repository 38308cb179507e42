import BerthEngine
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The admin JSON API under `/admin/v1`: artifacts and their accessories, deletes, garbage
/// collection, retention runs, and the rules and policies. Documented in `Docs/admin-api.md`.
///
/// Errors use the same JSON format as the OCI API: a malformed request body is a 400
/// `INVALID_POLICY`, one over 1 MiB a 413 `SIZE_INVALID`, and a failure inside the server a 500
/// `UNKNOWN` whose details go to the log only.
public struct AdminRoutes<Context: RequestContext, Store: BlobStore>: Sendable {
    /// The engine the routes manage.
    public let registry: Registry<Store>
    /// Who may call them (nil: anyone, the anonymous mode).
    public let authentication: RegistryAuthentication?
    /// Where failures inside the server are logged (their details never reach clients).
    public let logger: Logger
    /// Replication's endpoints, rules and runs (nil: `/admin/v1/replication` answers 404).
    public let replication: Replicator<Store>?

    /// The largest request body the admin API reads (policies, accounts, projects).
    static var maximumBodySize: Int { 1 << 20 }

    /// Routes over `registry`; with `authentication`, reading and deleting artifacts need the
    /// repository's pull and delete rights, everything else a system administrator: Basic
    /// credentials of one, or a bearer token of one carrying
    /// ``RegistryAuthentication/administrationScope``.
    public init(registry: Registry<Store>, authentication: RegistryAuthentication? = nil, logger: Logger = Logger(label: "berth"),
                replication: Replicator<Store>? = nil) {
        self.registry = registry
        self.replication = replication
        self.authentication = authentication
        self.logger = logger
    }

    /// The caller, who must be a system administrator (nil in anonymous mode).
    func authorizeAdministrator(_ request: Request) async throws -> Principal? {
        try await authorize(request)
    }

    /// The caller, after checking they may do `action` on `repository` (nil: administrators only).
    @discardableResult
    private func authorize(_ request: Request, _ action: RepositoryAction? = nil, on repository: RepositoryName? = nil) async throws -> Principal? {
        guard let authentication else { return nil }
        let identity = try await authentication.identity(of: request, access: registry.access,
                                                         challenge: #"Basic realm="\#(authentication.service)""#)
        guard identity.presentedCredentials else {
            var error = OCIError("UNAUTHORIZED", .unauthorized, "the admin API needs credentials")
            error.headers[.wwwAuthenticate] = #"Basic realm="\#(authentication.service)""#
            throw error
        }
        if identity.administers { return identity.principal }
        // Repository reads and deletes: the roles, and for a token what it grants.
        if let action, let repository, try identity.allows(action, on: repository, access: registry.access) {
            return identity.principal
        }
        if identity.principal.isAdmin {
            throw OCIError("DENIED", .forbidden, "the token does not grant \(RegistryAuthentication.administrationScope); ask the token endpoint for that scope, or use Basic credentials")
        }
        throw OCIError("DENIED", .forbidden, "\(identity.principal.displayName) may not do this")
    }

    /// The request body, at most ``maximumBodySize`` bytes; a longer one is refused with 413
    /// `SIZE_INVALID` (not left to surface as an internal error).
    func collectBody(_ request: Request) async throws -> Data {
        do {
            return Data(buffer: try await request.body.collect(upTo: Self.maximumBodySize))
        } catch is NIOTooManyBytesError {
            throw OCIError("SIZE_INVALID", .contentTooLarge, "the request body is over \(Self.maximumBodySize) bytes")
        }
    }

    /// The request body decoded as `T`; a body that is not such a JSON document is refused with
    /// 400 `INVALID_POLICY` (the admin API's code for input it cannot accept) saying what is wrong.
    func decodeBody<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let data = try await collectBody(request)
        do {
            return try AdminModels.decoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw OCIError("INVALID_POLICY", .badRequest, "the request body is not a valid document: \(error.pathDescription)")
        }
    }

    func logInternal(_ error: any Error, _ request: Request) {
        logger.error("admin request failed inside the server", metadata: [
            "method": .string(request.method.rawValue), "path": .string(request.uri.path),
            "error": .string(String(describing: error)),
        ])
    }

    /// Adds the `/admin/v1` routes to `router`.
    public func register(on router: some RouterMethods<Context>) {
        for method in [HTTPRequest.Method.get, .put, .post, .delete] {
            router.on(RouterPath("/admin/v1/**"), method: method) { request, _ in await self.respond(to: request) }
        }
    }

    /// Answers one admin request; failures become spec-format error responses.
    public func respond(to request: Request) async -> Response {
        do {
            return try await dispatch(request)
        } catch let error as OCIError {
            return error.response()
        } catch let error as RegistryError {
            let failure = OCIError(error)
            if failure == .internal { logInternal(error, request) }
            return failure.response()
        } catch let error as ValidationError {
            return OCIError(error).response()
        } catch {
            logInternal(error, request)
            return OCIError.internal.response()
        }
    }

    private func dispatch(_ request: Request) async throws -> Response {
        let path = request.uri.path.removingPercentEncoding ?? request.uri.path
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).dropFirst(2).map(String.init)
        let query = request.uri.queryParameters
        let dryRun = query["dryRun"].map { $0 == "true" || $0 == "1" } ?? false
        if let response = try await accessRequest(request, parts) { return response }
        if let response = try await replicationRequest(request, parts) { return response }
        if let response = try await trustRequest(request, parts) { return response }
        switch (request.method, parts.first) {
        case (.get, "policies") where parts.count == 1:
            try await authorize(request)
            return json(administration.policies())
        case (.put, "policies") where parts.count == 1:
            let principal = try await authorize(request)
            let policies = try await decodeBody(RegistryPolicies.self, from: request)
            return json(try await administration.setPolicies(policies, by: .caller(principal)))
        case (.get, "audit") where parts.count == 1:
            try await authorize(request)
            return json(try administration.auditLog(limit: query["n"].flatMap { Int($0) } ?? 1000))
        case (.post, "gc") where parts.count == 1:
            let principal = try await authorize(request)
            let untagged = query["untagged"].map { $0 == "true" || $0 == "1" }
            return json(try await administration.collectGarbage(dryRun: dryRun, untagged: untagged, by: .caller(principal)))
        case (.post, "retention") where parts.count == 1:
            let principal = try await authorize(request)
            return json(try await administration.runRetention(dryRun: dryRun, by: .caller(principal)))
        case (_, "repositories") where parts.count >= 3:
            return try await repositoryRequest(request, Array(parts.dropFirst()))
        default:
            throw OCIError.notFound
        }
    }

    /// `<name…>/artifacts`, `<name…>/artifacts/<digest>`, `<name…>/accessories/<reference>`,
    /// `<name…>/accessories/<reference>/<digest>`.
    private func repositoryRequest(_ request: Request, _ parts: [String]) async throws -> Response {
        let method = request.method
        if parts.last == "artifacts", method == .get {
            let name = try RepositoryName(parsing: parts.dropLast().joined(separator: "/"))
            try await authorize(request, .pull, on: name)
            let query = request.uri.queryParameters
            if let limit = query["n"].flatMap({ Int($0) }) {
                // The paged listing: what the interface's artifacts page shows, at the same cost.
                return json(AdminModels.ArtifactPage(try await registry.artifactPage(in: name, tagPrefix: query["tag"].map(String.init),
                                                                                     after: query["last"].map(String.init), limit: limit)))
            }
            return json(try await administration.artifacts(in: name))
        }
        guard parts.count >= 3 else { throw OCIError.notFound }
        if method == .delete, parts.count >= 4, parts[parts.count - 3] == "accessories" {
            let name = try RepositoryName(parsing: parts.dropLast(3).joined(separator: "/"))
            let principal = try await authorize(request, .delete, on: name)
            return json(try await administration.deleteAccessory(try Digest(parsing: parts[parts.count - 1]),
                                                                 of: try Reference(parsing: parts[parts.count - 2]), in: name,
                                                                 by: .caller(principal)))
        }
        let name = try RepositoryName(parsing: parts.dropLast(2).joined(separator: "/"))
        let target = parts[parts.count - 1]
        switch (method, parts[parts.count - 2]) {
        case (.get, "accessories"):
            try await authorize(request, .pull, on: name)
            let query = request.uri.queryParameters
            if let limit = query["n"].flatMap({ Int($0) }) {
                let after = try query["last"].map { try Digest(parsing: String($0)) }
                return json(AdminModels.AccessoryPage(try registry.accessoryPage(of: try Reference(parsing: target), in: name, after: after, limit: limit)))
            }
            return json(try administration.accessoryTree(of: try Reference(parsing: target), in: name))
        case (.delete, "artifacts"):
            let principal = try await authorize(request, .delete, on: name)
            return json(try await administration.deleteArtifact(try Digest(parsing: target), in: name, by: .caller(principal)))
        default:
            throw OCIError.notFound
        }
    }

    /// The engine's administration, which every admin route calls.
    var administration: RegistryAdministration<Store> { registry.administration }

    func json(_ value: some Encodable) -> Response {
        let data = (try? AdminModels.encoder().encode(value)) ?? Data("null".utf8)
        return Response(status: .ok, headers: [.contentType: "application/json", .contentLength: String(data.count)],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
